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
            default: parse_tcp_options;
        }
    }

    state parse_tcp_malformed {
        local_metadata.tcp_opts_unparsed = true;
        transition accept;
    }

    // Loop head: one option entry per iteration.
    state parse_tcp_options {
        transition select(local_metadata.tcp_opt_remaining, local_metadata.tcp_opt_count) {
            (0, _): accept;
            (_, TCP_OPTIONS_MAX): parse_tcp_opts_unparsed;
            default: parse_tcp_option;
        }
    }

    state parse_tcp_option {
        transition select(packet.lookahead<bit<8>>()) {
            0: parse_tcp_opt_eol;
            1: parse_tcp_opt_nop;
            default: parse_tcp_opt_with_len;
        }
    }

    state parse_tcp_opt_eol {
        packet.extract(hdr.tcp_opts.next.eol);
        local_metadata.tcp_opt_remaining = local_metadata.tcp_opt_remaining - 1;
        local_metadata.tcp_opt_count = local_metadata.tcp_opt_count + 1;
        transition select(local_metadata.tcp_opt_remaining) {
            0: accept;
            default: parse_tcp_opts_padding;
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

    state parse_tcp_opt_kind_len {
        bit<16> kind_len = packet.lookahead<bit<16>>();
        // Bit 15 set: the length runs past the option area.
        bit<16> rest = (bit<16>) local_metadata.tcp_opt_remaining - (bit<16>) kind_len[7:0];
        transition select(rest[15:15], kind_len) {
            (1, _): parse_tcp_opts_unparsed;
            (0, 0x0000 &&& 0x00fe): parse_tcp_opts_unparsed;
            (0, 0x0204): parse_tcp_opt_mss;
            (0, 0x0303): parse_tcp_opt_ws;
            (0, 0x0402): parse_tcp_opt_sack_perm;
            (0, 0x050a): parse_tcp_opt_sack;
            (0, 0x0512): parse_tcp_opt_sack;
            (0, 0x051a): parse_tcp_opt_sack;
            (0, 0x0522): parse_tcp_opt_sack;
            (0, 0x080a): parse_tcp_opt_ts;
            default: parse_tcp_opt_other;
        }
    }

    state parse_tcp_opt_mss {
        packet.extract(hdr.tcp_opts.next.mss);
        local_metadata.tcp_opt_remaining = local_metadata.tcp_opt_remaining - 4;
        local_metadata.tcp_opt_count = local_metadata.tcp_opt_count + 1;
        transition parse_tcp_options;
    }

    state parse_tcp_opt_ws {
        packet.extract(hdr.tcp_opts.next.ws);
        local_metadata.tcp_opt_remaining = local_metadata.tcp_opt_remaining - 3;
        local_metadata.tcp_opt_count = local_metadata.tcp_opt_count + 1;
        transition parse_tcp_options;
    }

    state parse_tcp_opt_sack_perm {
        packet.extract(hdr.tcp_opts.next.sack_perm);
        local_metadata.tcp_opt_remaining = local_metadata.tcp_opt_remaining - 2;
        local_metadata.tcp_opt_count = local_metadata.tcp_opt_count + 1;
        transition parse_tcp_options;
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
        packet.emit(hdr.tcp_opts);
        packet.emit(hdr.tcp_opts_tail);
        packet.emit(hdr.udp);
    }
}

#endif
