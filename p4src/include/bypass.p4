#ifndef __BYPASS__
#define __BYPASS__

#include "headers.p4"
#include "defines.p4"
#include "checksums.p4"

// Translates block i of a SACK option in Linux's layout (always at an even offset).
#define TRANSLATE_ALIGNED_SACK_BLOCK(i) \
    if (hdr.tcp_aligned_sack_blocks[i].isValid()) { \
        bit<32> left_edge = hdr.tcp_aligned_sack_blocks[i].left_edge - local_metadata.bypass.ack_delta; \
        bit<32> right_edge = hdr.tcp_aligned_sack_blocks[i].right_edge - local_metadata.bypass.ack_delta; \
        tcp_diff = tcp_diff + csum_diff32(hdr.tcp_aligned_sack_blocks[i].left_edge, left_edge) \
                            + csum_diff32(hdr.tcp_aligned_sack_blocks[i].right_edge, right_edge); \
        hdr.tcp_aligned_sack_blocks[i].left_edge = left_edge; \
        hdr.tcp_aligned_sack_blocks[i].right_edge = right_edge; \
    }

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
    // Bypassed segments that are not translated (fragments, IPv4 options, unparsable TCP options: dropped)
    // and FIN/RST whose sequence number is not plausible (forwarded, not reported), by ANOMALY_* index.
    counter(ANOMALY_REASONS, CounterType.packets) anomaly_counter;
    // Per bypass entry, the last plausible acknowledgment its sender gave: hash tag (16 bits), window in bytes
    // (32) and ACK translated into the other endpoint's sequence space (32). A FIN or RST of the other
    // direction is plausible when its sequence number lies in that window (RFC 5961's test, as the receiver
    // itself applies it).
    register<bit<80>>(ACK_SEEN_CELLS) ack_seen;

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
        } else if (local_metadata.bypassed) {
            // This entry's cell, and the other direction's: its key is this entry's rewritten tuple reversed,
            // and its deltas are this entry's swapped, so both entries of a bypass find each other's cell.
            bit<32> own;
            hash(own, HashAlgorithm.crc32, 32w0,
                 { hdr.ipv4.src_addr, hdr.ipv4.dst_addr, hdr.tcp.src_port, hdr.tcp.dst_port,
                   local_metadata.bypass.seq_delta, local_metadata.bypass.ack_delta }, 64w0x100000000);
            bit<32> other;
            hash(other, HashAlgorithm.crc32, 32w0,
                 { local_metadata.bypass.ip_dst, local_metadata.bypass.ip_src, local_metadata.bypass.dst_port,
                   local_metadata.bypass.src_port, local_metadata.bypass.ack_delta,
                   local_metadata.bypass.seq_delta }, 64w0x100000000);
            bit<80> seen;
            ack_seen.read(seen, (bit<32>) other[15:0]);
            // Until the other endpoint has acknowledged something through this bypass (or when another bypass
            // took the cell) the switch knows no window: the segment counts as plausible.
            bool plausible = seen[79:64] != other[31:16]
                             || hdr.tcp.seq_no - seen[31:0] <= seen[63:32];
            if (hdr.tcp.fin == 1 || hdr.tcp.rst == 1) {
                if (plausible) {
                    // The copy is the segment as it arrived: its 5-tuple is this entry's key.
                    clone_preserving_field_list(CloneType.I2E, CPU_CLONE_SESSION_ID, CPU_COPY_FIELD_LIST);
                } else {
                    anomaly_counter.count(ANOMALY_BLIND_CLOSE);
                }
            }

            // Half-translated segments would feed the receiver numbers from the other leg's space: a later
            // fragment carries no TCP header to translate, IPv4 options (source routes) name the old addresses,
            // and SACK or timestamps may hide in option bytes the parser could not take apart.
            if (hdr.ipv4.flags[0:0] == 1) {
                mark_to_drop(standard_metadata);
                anomaly_counter.count(ANOMALY_FRAGMENT);
            } else if (hdr.ipv4.ihl != 5) {
                mark_to_drop(standard_metadata);
                anomaly_counter.count(ANOMALY_IPV4_OPTIONS);
            } else if (local_metadata.tcp_opts_unparsed) {
                mark_to_drop(standard_metadata);
                anomaly_counter.count(ANOMALY_TCP_OPTIONS);
            } else {
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
                bit<32> ack_no = hdr.tcp.ack_no - local_metadata.bypass.ack_delta;
                if (hdr.tcp.ack == 1) {
                    tcp_diff = tcp_diff + csum_diff32(hdr.tcp.ack_no, ack_no);
                    hdr.tcp.ack_no = ack_no;
                }

                // The receiver scales the field by its own shift: rescale, round down, never overstate.
                bit<32> window_bytes = (bit<32>) hdr.tcp.window << local_metadata.bypass.win_shift_in;
                bit<32> window = window_bytes >> local_metadata.bypass.win_shift_out;
                if (window > 0xffff) {
                    window = 0xffff;
                }
                tcp_diff = tcp_diff + csum_diff16(hdr.tcp.window, window[15:0]);
                hdr.tcp.window = window[15:0];

                // Linux's layouts: every word at an even offset.
                if (hdr.tcp_aligned_ts.isValid()) {
                    bit<32> tsval = hdr.tcp_aligned_ts.tsval + local_metadata.bypass.tsval_delta;
                    bit<32> tsecr = hdr.tcp_aligned_ts.tsecr;
                    if (hdr.tcp.ack == 1) {
                        tsecr = tsecr - local_metadata.bypass.tsecr_delta;
                    }
                    tcp_diff = tcp_diff + csum_diff32(hdr.tcp_aligned_ts.tsval, tsval)
                                        + csum_diff32(hdr.tcp_aligned_ts.tsecr, tsecr);
                    hdr.tcp_aligned_ts.tsval = tsval;
                    hdr.tcp_aligned_ts.tsecr = tsecr;
                }
                if (hdr.tcp_aligned_sack.isValid()) {
                    TRANSLATE_ALIGNED_SACK_BLOCK(0)
                    TRANSLATE_ALIGNED_SACK_BLOCK(1)
                    TRANSLATE_ALIGNED_SACK_BLOCK(2)
                    TRANSLATE_ALIGNED_SACK_BLOCK(3)
                }
                if (local_metadata.tcp_opt_count != 0) {
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
                }

                hdr.ipv4.hdr_checksum = csum_update(hdr.ipv4.hdr_checksum, ip_diff);
                hdr.tcp.checksum = csum_update(hdr.tcp.checksum, tcp_diff + csum_swap(odd_diff));

                if (plausible && hdr.tcp.ack == 1) {
                    ack_seen.write((bit<32>) own[15:0], own[31:16] ++ window_bytes ++ ack_no);
                }
            }
        }
    }
}
#endif
