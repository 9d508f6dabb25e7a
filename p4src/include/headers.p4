#ifndef __HEADERS__
#define __HEADERS__

#include "defines.p4"

@controller_header("packet_in")
header packet_in_header_t {
    port_t  ingress_port;
    bit<7>  _pad;
}

@controller_header("packet_out")
header packet_out_header_t {
    port_t  egress_port;
    // 1: the frame goes through the pipeline as if it had arrived, not out of egress_port (ONOS's OUTPUT:TABLE);
    // the bypass completes keepalive probes of idle bypasses from it.
    bit<1>  through_pipeline;
    bit<6>  _pad;
}

header ethernet_t {
    mac_t   dst_addr;
    mac_t   src_addr;
    bit<16> ether_type;
}

header ipv4_t {
    bit<4>      version;
    bit<4>      ihl;
    bit<6>      dscp;
    bit<2>      ecn;
    bit<16>     total_len;
    bit<16>     identification;
    bit<3>      flags;
    bit<13>     frag_offset;
    bit<8>      ttl;
    bit<8>      protocol;
    bit<16>     hdr_checksum;
    ipv4_addr_t src_addr;
    ipv4_addr_t dst_addr;
}

header ipv4_options_t {
    varbit<320> data;
}

header tcp_t {
    l4_port_t src_port;
    l4_port_t dst_port;
    bit<32>   seq_no;
    bit<32>   ack_no;
    bit<4>    data_offset;
    bit<4>    res;
    bit<1>    cwr;
    bit<1>    ece;
    bit<1>    urg;
    bit<1>    ack;
    bit<1>    psh;
    bit<1>    rst;
    bit<1>    syn;
    bit<1>    fin;
    bit<16>   window;
    bit<16>   checksum;
    bit<16>   urgent_ptr;
}

header udp_t {
    l4_port_t src_port;
    l4_port_t dst_port;
    bit<16>   len;
    bit<16>   checksum;
}

// TCP options (RFC 9293, 7323, 2018).
// Linux's layouts in fixed headers, taken without a loop: NOP NOP TS first, then NOP NOP SACK.
header tcp_aligned_ts_t {
    bit<16> nops;
    bit<8>  kind;
    bit<8>  len;
    bit<32> tsval;
    bit<32> tsecr;
}

// NOP NOP, kind and length of a SACK option; its 1..4 blocks follow in tcp_aligned_sack_blocks.
header tcp_aligned_sack_t {
    bit<16> nops;
    bit<8>  kind;
    bit<8>  len;
}

// Any other layout: one entry of the option stack per option; the stack keeps their order.
header tcp_opt_nop_t {
    bit<8> kind;
}

// Kind and length of a SACK option; its 1..4 blocks follow as separate entries.
header tcp_opt_sack_t {
    bit<8> kind;
    bit<8> len;
}

header tcp_opt_sack_block_t {
    bit<32> left_edge;
    bit<32> right_edge;
}

header tcp_opt_ts_t {
    bit<8>  kind;
    bit<8>  len;
    bit<32> tsval;
    bit<32> tsecr;
}

// Any other option (MSS, window scale, SACK-permitted, ...), carried as it came.
header tcp_opt_other_t {
    bit<8>      kind;
    bit<8>      len;
    varbit<304> data;
}

header_union tcp_option_t {
    tcp_opt_nop_t        nop;
    tcp_opt_sack_t       sack;
    tcp_opt_sack_block_t sack_block;
    tcp_opt_ts_t         ts;
    tcp_opt_other_t      other;
}

// Option bytes kept as they came: EOL and the padding after it, or what the parser could not take apart.
header tcp_opts_tail_t {
    varbit<320> data;
}

struct headers_t {
    packet_out_header_t           packet_out;
    packet_in_header_t            packet_in;
    ethernet_t                    ethernet;
    ipv4_t                        ipv4;
    ipv4_options_t                ipv4_options;
    tcp_t                         tcp;
    tcp_aligned_ts_t              tcp_aligned_ts;
    tcp_aligned_sack_t            tcp_aligned_sack;
    tcp_opt_sack_block_t[4]       tcp_aligned_sack_blocks;
    tcp_option_t[TCP_OPTIONS_MAX] tcp_opts;
    tcp_opts_tail_t               tcp_opts_tail;
    udp_t                         udp;
}

// What the rare cases after the bypass table need of the entry that matched (SACK and options outside Linux's
// layouts are translated there, FIN/RST reported there).
struct bypass_metadata_t {
    bit<32>     ack_delta;
    bit<32>     tsval_delta;
    bit<32>     tsecr_delta;
    // A fragment's FRAGMENT_MIX, of the addresses as it arrived.
    bit<32>     fragment_hash;
    // A later fragment of a datagram whose first fragment, a bypassed connection's, was dropped: dropped too.
    bool        later_fragment;
    // This entry's cell and tag in ack_seen (TUPLE_MIX of its key and deltas), the other direction's, and what the
    // other direction's cell held: the action's working values, kept for the rare path's keepalive probes.
    bit<32>     own_hash;
    bit<32>     other_hash;
    bit<80>     other_seen;
    bool        plausible;
    // A SYN, or a segment that completes a new connection's handshake on the tuple (handshake.p4): left as it came.
    bool        untranslated;
    // A SYN that hit the entry: handshake.p4 records it.
    bool        syn_hit;
}

struct local_metadata_t {
    l4_port_t l4_src_port;
    l4_port_t l4_dst_port;
    // Travels with FIN/RST and new-connection copies: BMv2 zeroes user metadata of a clone unless it is preserved.
    @field_list(CPU_COPY_FIELD_LIST)
    port_t    ingress_port;
    // Option bytes not yet parsed.
    bit<8>    tcp_opt_remaining;
    // Option entries parsed so far.
    bit<8>    tcp_opt_count;
    // SACK blocks of the current SACK option still to parse.
    bit<8>    tcp_sack_blocks;
    // Bit i set: option entry i starts at an odd offset (its 16-bit checksum words are byte-swapped).
    bit<TCP_OPTIONS_MAX> tcp_opt_odd;
    // Some option bytes could not be taken apart: SACK or timestamps among them cannot be translated.
    bool      tcp_opts_unparsed;
    bool      bypassed;
    // A frame the controller sent through the pipeline (packet_out.through_pipeline): a keepalive probe template.
    bool      injected;
    bypass_metadata_t bypass;
}

#endif
