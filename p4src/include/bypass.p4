#ifndef __BYPASS__
#define __BYPASS__

#include "headers.p4"
#include "defines.p4"
#include "checksums.p4"

// Translates SACK blocks and timestamps of option entry i and adds the change to the TCP checksum
// difference of its byte parity.
#define TRANSLATE_TCP_OPTION(i) \
    if (hdr.tcp_opts[i].sack_block.isValid()) { \
        bit<32> left_edge = hdr.tcp_opts[i].sack_block.left_edge - local_metadata.bypass.ack_delta; \
        bit<32> right_edge = hdr.tcp_opts[i].sack_block.right_edge - local_metadata.bypass.ack_delta; \
        bit<32> diff = csum_diff32(hdr.tcp_opts[i].sack_block.left_edge, left_edge) \
                     + csum_diff32(hdr.tcp_opts[i].sack_block.right_edge, right_edge); \
        hdr.tcp_opts[i].sack_block.left_edge = left_edge; \
        hdr.tcp_opts[i].sack_block.right_edge = right_edge; \
        if (local_metadata.tcp_opt_odd[i:i] == 1) { odd_diff = odd_diff + diff; } \
        else { tcp_diff = tcp_diff + diff; } \
    } else if (hdr.tcp_opts[i].ts.isValid()) { \
        bit<32> tsval = hdr.tcp_opts[i].ts.tsval + local_metadata.bypass.tsval_delta; \
        bit<32> tsecr = hdr.tcp_opts[i].ts.tsecr; \
        if (hdr.tcp.ack == 1) { tsecr = tsecr - local_metadata.bypass.tsecr_delta; } \
        bit<32> diff = csum_diff32(hdr.tcp_opts[i].ts.tsval, tsval) \
                     + csum_diff32(hdr.tcp_opts[i].ts.tsecr, tsecr); \
        hdr.tcp_opts[i].ts.tsval = tsval; \
        hdr.tcp_opts[i].ts.tsecr = tsecr; \
        if (local_metadata.tcp_opt_odd[i:i] == 1) { odd_diff = odd_diff + diff; } \
        else { tcp_diff = tcp_diff + diff; } \
    }

// One entry per direction of a bypassed connection: the segment continues as if the proxy had relayed it.
control bypass_control(inout headers_t hdr,
                       inout local_metadata_t local_metadata,
                       inout standard_metadata_t standard_metadata) {

    direct_counter(CounterType.packets_and_bytes) bypass_counter;

    // Only records the entry's parameters: apply decides whether the segment is translated at all.
    action rewrite(port_t port, mac_t eth_src, mac_t eth_dst,
                   ipv4_addr_t ip_src, ipv4_addr_t ip_dst,
                   l4_port_t src_port, l4_port_t dst_port,
                   bit<32> seq_delta, bit<32> ack_delta,
                   bit<32> tsval_delta, bit<32> tsecr_delta,
                   bit<8> win_shift_in, bit<8> win_shift_out) {
        local_metadata.bypassed = true;
        local_metadata.bypass.port = port;
        local_metadata.bypass.eth_src = eth_src;
        local_metadata.bypass.eth_dst = eth_dst;
        local_metadata.bypass.ip_src = ip_src;
        local_metadata.bypass.ip_dst = ip_dst;
        local_metadata.bypass.src_port = src_port;
        local_metadata.bypass.dst_port = dst_port;
        local_metadata.bypass.seq_delta = seq_delta;
        local_metadata.bypass.ack_delta = ack_delta;
        local_metadata.bypass.tsval_delta = tsval_delta;
        local_metadata.bypass.tsecr_delta = tsecr_delta;
        local_metadata.bypass.win_shift_in = win_shift_in;
        local_metadata.bypass.win_shift_out = win_shift_out;
    }

    table bypass_table {
        key = {
            hdr.ipv4.src_addr : exact;
            hdr.ipv4.dst_addr : exact;
            hdr.tcp.src_port  : exact;
            hdr.tcp.dst_port  : exact;
        }
        actions = {
            rewrite;
            @defaultonly NoAction;
        }
        const default_action = NoAction();
        counters = bypass_counter;
        size = 65536;
    }

    apply {
        if (hdr.tcp.isValid()) {
            bypass_table.apply();
        }
        if (local_metadata.bypassed && hdr.tcp.syn == 1) {
            // A SYN opens a new connection on the tuple, never the bypassed one (and RFC 7323 never scales a
            // SYN's window): forwarded as it came by the ACL, and copied so the controller ends the stale bypass.
            local_metadata.bypassed = false;
            clone_preserving_field_list(CloneType.I2E, CPU_CLONE_SESSION_ID, CPU_COPY_FIELD_LIST);
        } else if (local_metadata.bypassed && local_metadata.tcp_opts_unparsed) {
            // SACK or timestamps may hide in the bytes the parser could not take apart: forwarding them
            // untranslated would feed the receiver numbers from the other leg's space.
            mark_to_drop(standard_metadata);
        } else if (local_metadata.bypassed) {
            standard_metadata.egress_spec = local_metadata.bypass.port;
            hdr.ethernet.src_addr = local_metadata.bypass.eth_src;
            hdr.ethernet.dst_addr = local_metadata.bypass.eth_dst;
            // Addresses are covered by the IPv4 header checksum and, through the pseudo-header, by TCP's.
            bit<32> ip_diff = csum_diff32(hdr.ipv4.src_addr, local_metadata.bypass.ip_src)
                            + csum_diff32(hdr.ipv4.dst_addr, local_metadata.bypass.ip_dst);
            bit<32> tcp_diff = ip_diff
                + csum_diff16(hdr.tcp.src_port, local_metadata.bypass.src_port)
                + csum_diff16(hdr.tcp.dst_port, local_metadata.bypass.dst_port);
            bit<32> odd_diff = 0;
            hdr.ipv4.src_addr = local_metadata.bypass.ip_src;
            hdr.ipv4.dst_addr = local_metadata.bypass.ip_dst;
            hdr.tcp.src_port = local_metadata.bypass.src_port;
            hdr.tcp.dst_port = local_metadata.bypass.dst_port;

            bit<32> seq_no = hdr.tcp.seq_no + local_metadata.bypass.seq_delta;
            tcp_diff = tcp_diff + csum_diff32(hdr.tcp.seq_no, seq_no);
            hdr.tcp.seq_no = seq_no;

            // Without the ACK flag the acknowledgment field means nothing: left as it came.
            if (hdr.tcp.ack == 1) {
                bit<32> ack_no = hdr.tcp.ack_no - local_metadata.bypass.ack_delta;
                tcp_diff = tcp_diff + csum_diff32(hdr.tcp.ack_no, ack_no);
                hdr.tcp.ack_no = ack_no;
            }

            // The receiver scales the field by its own shift: rescale, round down, never overstate.
            bit<32> window = ((bit<32>) hdr.tcp.window << local_metadata.bypass.win_shift_in)
                             >> local_metadata.bypass.win_shift_out;
            if (window > 0xffff) {
                window = 0xffff;
            }
            tcp_diff = tcp_diff + csum_diff16(hdr.tcp.window, window[15:0]);
            hdr.tcp.window = window[15:0];

            TRANSLATE_TCP_OPTION(0)
            TRANSLATE_TCP_OPTION(1)
            TRANSLATE_TCP_OPTION(2)
            TRANSLATE_TCP_OPTION(3)
            TRANSLATE_TCP_OPTION(4)
            TRANSLATE_TCP_OPTION(5)
            TRANSLATE_TCP_OPTION(6)
            TRANSLATE_TCP_OPTION(7)
            TRANSLATE_TCP_OPTION(8)
            TRANSLATE_TCP_OPTION(9)
            TRANSLATE_TCP_OPTION(10)
            TRANSLATE_TCP_OPTION(11)
            TRANSLATE_TCP_OPTION(12)
            TRANSLATE_TCP_OPTION(13)
            TRANSLATE_TCP_OPTION(14)
            TRANSLATE_TCP_OPTION(15)
            TRANSLATE_TCP_OPTION(16)
            TRANSLATE_TCP_OPTION(17)
            TRANSLATE_TCP_OPTION(18)
            TRANSLATE_TCP_OPTION(19)

            hdr.ipv4.hdr_checksum = csum_update(hdr.ipv4.hdr_checksum, ip_diff);
            hdr.tcp.checksum = csum_update(hdr.tcp.checksum, tcp_diff + csum_swap(odd_diff));

            // The copy is the segment as it arrived: its 5-tuple is this entry's key.
            if (hdr.tcp.fin == 1 || hdr.tcp.rst == 1) {
                clone_preserving_field_list(CloneType.I2E, CPU_CLONE_SESSION_ID, CPU_COPY_FIELD_LIST);
            }
        }
    }
}

#endif
