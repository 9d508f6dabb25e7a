#ifndef __PARSER__
#define __PARSER__

#include "headers.p4"
#include "defines.p4"

// Ethernet, IPv4 (with options), TCP with its options taken apart in order, UDP ports for the ACL.
// Every option byte ends up in exactly one header, so deparsing gives back the bytes that came in.
parser tcp_bypass_parser(packet_in packet,
                         out headers_t hdr,
                         inout local_metadata_t local_metadata,
                         inout standard_metadata_t standard_metadata) {

    state start {
        local_metadata.ingress_port = standard_metadata.ingress_port;
        transition select(standard_metadata.ingress_port) {
            CPU_PORT: parse_packet_out;
            default: parse_ethernet;
        }
    }

    state parse_packet_out {
        packet.extract(hdr.packet_out);
        transition parse_ethernet;
    }

    state parse_ethernet {
        packet.extract(hdr.ethernet);
        transition select(hdr.ethernet.ether_type) {
            ETH_TYPE_IPV4: parse_ipv4;
            default: accept;
        }
    }

    state parse_ipv4 {
        packet.extract(hdr.ipv4);
        transition select(hdr.ipv4.ihl) {
            0 &&& 0xc: accept;
            4: accept;
            5: parse_ipv4_payload;
            default: parse_ipv4_options;
        }
    }

    state parse_ipv4_options {
        packet.extract(hdr.ipv4_options, ((bit<32>) hdr.ipv4.ihl - 5) * 32);
        transition parse_ipv4_payload;
    }

    // Only a first (or unfragmented) datagram carries the transport header.
    state parse_ipv4_payload {
        transition select(hdr.ipv4.frag_offset, hdr.ipv4.protocol) {
            (0, IP_PROTO_TCP): parse_tcp;
            (0, IP_PROTO_UDP): parse_udp;
            default: accept;
        }
    }

    state parse_udp {
        packet.extract(hdr.udp);
        local_metadata.l4_src_port = hdr.udp.src_port;
        local_metadata.l4_dst_port = hdr.udp.dst_port;
        transition accept;
    }

    state parse_tcp {
        packet.extract(hdr.tcp);
        local_metadata.l4_src_port = hdr.tcp.src_port;
        local_metadata.l4_dst_port = hdr.tcp.dst_port;
        local_metadata.tcp_opt_remaining = ((bit<8>) hdr.tcp.data_offset << 2) - 20;
        transition select(hdr.tcp.data_offset) {
            0 &&& 0xc: parse_tcp_malformed;
            4: parse_tcp_malformed;
            5: accept;
            default: parse_tcp_aligned;
        }
    }

    state parse_tcp_malformed {
        local_metadata.tcp_opts_unparsed = true;
        transition accept;
    }

    // Linux's layouts (NOP NOP TS, then NOP NOP SACK) go into fixed headers; whatever follows, or any other
    // layout, into the option stack. At least 4 option bytes remain here, always a multiple of 4.
    state parse_tcp_aligned {
        bit<32> head = packet.lookahead<bit<32>>();
        // Bit 7 set: fewer than 12 bytes remain.
        bit<8> ts_rest = local_metadata.tcp_opt_remaining - 12;
        transition select(head, ts_rest[7:7]) {
            (0x0101080a, 0): parse_tcp_aligned_ts;
            (0x01010500 &&& 0xffffff00, _): parse_tcp_aligned_sack;
            default: parse_tcp_options;
        }
    }

    state parse_tcp_aligned_ts {
        packet.extract(hdr.tcp_aligned_ts);
        local_metadata.tcp_opt_remaining = local_metadata.tcp_opt_remaining - 12;
        transition select(local_metadata.tcp_opt_remaining) {
            0: accept;
            default: parse_tcp_aligned_after_ts;
        }
    }

    state parse_tcp_aligned_after_ts {
        transition select(packet.lookahead<bit<32>>()) {
            0x01010500 &&& 0xffffff00: parse_tcp_aligned_sack;
            default: parse_tcp_options;
        }
    }

    // A SACK option of 1..4 blocks within the option area; any other length is left to the option stack,
    // which refuses it.
    state parse_tcp_aligned_sack {
        bit<32> head = packet.lookahead<bit<32>>();
        // Bit 7 set: the option runs past the option area.
        bit<8> rest = local_metadata.tcp_opt_remaining - 2 - head[7:0];
        transition select(rest[7:7], head[7:0]) {
            (0, 10): parse_tcp_aligned_sack_header;
            (0, 18): parse_tcp_aligned_sack_header;
            (0, 26): parse_tcp_aligned_sack_header;
            (0, 34): parse_tcp_aligned_sack_header;
            default: parse_tcp_options;
        }
    }

    state parse_tcp_aligned_sack_header {
        packet.extract(hdr.tcp_aligned_sack);
        local_metadata.tcp_sack_blocks = (hdr.tcp_aligned_sack.len - 2) >> 3;
        local_metadata.tcp_opt_remaining = local_metadata.tcp_opt_remaining - 4;
        transition parse_tcp_aligned_sack_blocks;
    }

    state parse_tcp_aligned_sack_blocks {
        transition select(local_metadata.tcp_sack_blocks) {
            0: parse_tcp_aligned_end;
            default: parse_tcp_aligned_sack_block;
        }
    }

    state parse_tcp_aligned_sack_block {
        packet.extract(hdr.tcp_aligned_sack_blocks.next);
        local_metadata.tcp_sack_blocks = local_metadata.tcp_sack_blocks - 1;
        local_metadata.tcp_opt_remaining = local_metadata.tcp_opt_remaining - 8;
        transition parse_tcp_aligned_sack_blocks;
    }

    state parse_tcp_aligned_end {
        transition select(local_metadata.tcp_opt_remaining) {
            0: accept;
            default: parse_tcp_options;
        }
    }

    // Option stack loop head: one entry per iteration.
    state parse_tcp_options {
        transition select(local_metadata.tcp_opt_remaining) {
            0: accept;
            default: parse_tcp_option;
        }
    }

    // EOL ends the options: it and the padding after it are kept as they came and take no entry.
    state parse_tcp_option {
        transition select(packet.lookahead<bit<8>>(), local_metadata.tcp_opt_count) {
            (0, _): parse_tcp_opts_padding;
            (_, TCP_OPTIONS_MAX): parse_tcp_opts_unparsed;
            (1, _): parse_tcp_opt_nop;
            default: parse_tcp_opt_with_len;
        }
    }

    state parse_tcp_opts_padding {
        packet.extract(hdr.tcp_opts_tail, (bit<32>) local_metadata.tcp_opt_remaining << 3);
        transition accept;
    }

    state parse_tcp_opts_unparsed {
        local_metadata.tcp_opts_unparsed = true;
        transition parse_tcp_opts_padding;
    }

    state parse_tcp_opt_nop {
        packet.extract(hdr.tcp_opts.next.nop);
        local_metadata.tcp_opt_remaining = local_metadata.tcp_opt_remaining - 1;
        local_metadata.tcp_opt_count = local_metadata.tcp_opt_count + 1;
        transition parse_tcp_options;
    }

    // Kind and length are both inside the option area only if at least two bytes remain.
    state parse_tcp_opt_with_len {
        transition select(local_metadata.tcp_opt_remaining) {
            1: parse_tcp_opts_unparsed;
            default: parse_tcp_opt_kind_len;
        }
    }

    // SACK and timestamps of any other length cannot be translated: the whole area counts as unparsed.
    state parse_tcp_opt_kind_len {
        bit<16> kind_len = packet.lookahead<bit<16>>();
        // Bit 15 set: the length runs past the option area.
        bit<16> rest = (bit<16>) local_metadata.tcp_opt_remaining - (bit<16>) kind_len[7:0];
        transition select(rest[15:15], kind_len) {
            (1, _): parse_tcp_opts_unparsed;
            (0, 0x0000 &&& 0x00fe): parse_tcp_opts_unparsed;
            (0, 0x050a): parse_tcp_opt_sack;
            (0, 0x0512): parse_tcp_opt_sack;
            (0, 0x051a): parse_tcp_opt_sack;
            (0, 0x0522): parse_tcp_opt_sack;
            (0, 0x0500 &&& 0xff00): parse_tcp_opts_unparsed;
            (0, 0x080a): parse_tcp_opt_ts;
            (0, 0x0800 &&& 0xff00): parse_tcp_opts_unparsed;
            default: parse_tcp_opt_other;
        }
    }

    state parse_tcp_opt_ts {
        local_metadata.tcp_opt_odd = local_metadata.tcp_opt_odd
            | (((bit<TCP_OPTIONS_MAX>) local_metadata.tcp_opt_remaining[0:0]) << local_metadata.tcp_opt_count);
        packet.extract(hdr.tcp_opts.next.ts);
        local_metadata.tcp_opt_remaining = local_metadata.tcp_opt_remaining - 10;
        local_metadata.tcp_opt_count = local_metadata.tcp_opt_count + 1;
        transition parse_tcp_options;
    }

    state parse_tcp_opt_sack {
        bit<16> kind_len = packet.lookahead<bit<16>>();
        local_metadata.tcp_sack_blocks = (kind_len[7:0] - 2) >> 3;
        packet.extract(hdr.tcp_opts.next.sack);
        local_metadata.tcp_opt_remaining = local_metadata.tcp_opt_remaining - 2;
        local_metadata.tcp_opt_count = local_metadata.tcp_opt_count + 1;
        transition parse_tcp_sack_blocks;
    }

    state parse_tcp_sack_blocks {
        transition select(local_metadata.tcp_sack_blocks, local_metadata.tcp_opt_count) {
            (0, _): parse_tcp_options;
            (_, TCP_OPTIONS_MAX): parse_tcp_opts_unparsed;
            default: parse_tcp_sack_block;
        }
    }

    state parse_tcp_sack_block {
        local_metadata.tcp_opt_odd = local_metadata.tcp_opt_odd
            | (((bit<TCP_OPTIONS_MAX>) local_metadata.tcp_opt_remaining[0:0]) << local_metadata.tcp_opt_count);
        packet.extract(hdr.tcp_opts.next.sack_block);
        local_metadata.tcp_sack_blocks = local_metadata.tcp_sack_blocks - 1;
        local_metadata.tcp_opt_remaining = local_metadata.tcp_opt_remaining - 8;
        local_metadata.tcp_opt_count = local_metadata.tcp_opt_count + 1;
        transition parse_tcp_sack_blocks;
    }

    state parse_tcp_opt_other {
        bit<16> kind_len = packet.lookahead<bit<16>>();
        packet.extract(hdr.tcp_opts.next.other, ((bit<32>) kind_len[7:0] - 2) << 3);
        local_metadata.tcp_opt_remaining = local_metadata.tcp_opt_remaining - kind_len[7:0];
        local_metadata.tcp_opt_count = local_metadata.tcp_opt_count + 1;
        transition parse_tcp_options;
    }
}

control tcp_bypass_deparser(packet_out packet, in headers_t hdr) {
    apply {
        packet.emit(hdr.packet_in);
        packet.emit(hdr.ethernet);
        packet.emit(hdr.ipv4);
        packet.emit(hdr.ipv4_options);
        packet.emit(hdr.tcp);
        packet.emit(hdr.tcp_aligned_ts);
        packet.emit(hdr.tcp_aligned_sack);
        packet.emit(hdr.tcp_aligned_sack_blocks);
        packet.emit(hdr.tcp_opts);
        packet.emit(hdr.tcp_opts_tail);
        packet.emit(hdr.udp);
    }
}

#endif
