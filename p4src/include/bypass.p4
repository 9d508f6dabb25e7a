#ifndef __BYPASS__
#define __BYPASS__

#include "headers.p4"
#include "defines.p4"
#include "checksums.p4"
#include "handshake.p4"

// Translates block i of a SACK option in Linux's layout (always at an even offset).
#define TRANSLATE_ALIGNED_SACK_BLOCK(i) \
    if (hdr.tcp_aligned_sack_blocks[i].isValid()) { \
        bit<32> left_edge = hdr.tcp_aligned_sack_blocks[i].left_edge - local_metadata.bypass.ack_delta; \
        bit<32> right_edge = hdr.tcp_aligned_sack_blocks[i].right_edge - local_metadata.bypass.ack_delta; \
        tcp_diff = tcp_diff + CSUM_DIFF32(hdr.tcp_aligned_sack_blocks[i].left_edge, left_edge) \
                            + CSUM_DIFF32(hdr.tcp_aligned_sack_blocks[i].right_edge, right_edge); \
        hdr.tcp_aligned_sack_blocks[i].left_edge = left_edge; \
        hdr.tcp_aligned_sack_blocks[i].right_edge = right_edge; \
    }

// Translates SACK blocks and timestamps of option entry i and adds the change to the TCP checksum
// difference of its byte parity.
#define TRANSLATE_TCP_OPTION(i) \
    if (hdr.tcp_opts[i].sack_block.isValid()) { \
        bit<32> left_edge = hdr.tcp_opts[i].sack_block.left_edge - local_metadata.bypass.ack_delta; \
        bit<32> right_edge = hdr.tcp_opts[i].sack_block.right_edge - local_metadata.bypass.ack_delta; \
        bit<32> diff = CSUM_DIFF32(hdr.tcp_opts[i].sack_block.left_edge, left_edge) \
                     + CSUM_DIFF32(hdr.tcp_opts[i].sack_block.right_edge, right_edge); \
        hdr.tcp_opts[i].sack_block.left_edge = left_edge; \
        hdr.tcp_opts[i].sack_block.right_edge = right_edge; \
        if (local_metadata.tcp_opt_odd[i:i] == 1) { odd_diff = odd_diff + diff; } \
        else { tcp_diff = tcp_diff + diff; } \
    } else if (hdr.tcp_opts[i].ts.isValid()) { \
        bit<32> tsval = hdr.tcp_opts[i].ts.tsval + local_metadata.bypass.tsval_delta; \
        bit<32> tsecr = hdr.tcp_opts[i].ts.tsecr; \
        if (hdr.tcp.ack == 1) { tsecr = tsecr - local_metadata.bypass.tsecr_delta; } \
        bit<32> diff = CSUM_DIFF32(hdr.tcp_opts[i].ts.tsval, tsval) \
                     + CSUM_DIFF32(hdr.tcp_opts[i].ts.tsecr, tsecr); \
        hdr.tcp_opts[i].ts.tsval = tsval; \
        hdr.tcp_opts[i].ts.tsecr = tsecr; \
        if (local_metadata.tcp_opt_odd[i:i] == 1) { odd_diff = odd_diff + diff; } \
        else { tcp_diff = tcp_diff + diff; } \
    }

// In the rewrite action: the segment goes on as it came (a SYN, or the segment that completes a new handshake).
#define KEEP local_metadata.bypass.untranslated

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
    // Per FRAGMENT_MIX cell, the first fragment of a bypassed connection's datagram that was dropped: tag (16 bits)
    // and arrival time (48).
    register<bit<64>>(FRAGMENT_CELLS) first_fragments;

    // Translates what every segment of Linux's layouts carries (addresses, ports, SEQ, ACK, window, NOP NOP TS,
    // both checksums) as one run of primitives without branches: BMv2 pays per table, condition and
    // primitive, and an action cannot branch (BMv2 JSON could only say so with the newer _jump_if_zero).
    // A SYN, and a segment that completes a new connection's handshake on the tuple, keep every field
    // (`untranslated`); segments that are dropped after the table do not care.
    action rewrite(port_t port, mac_t eth_src, mac_t eth_dst,
                   ipv4_addr_t ip_src, ipv4_addr_t ip_dst,
                   l4_port_t src_port, l4_port_t dst_port,
                   bit<32> seq_delta, bit<32> ack_delta,
                   bit<32> tsval_delta, bit<32> tsecr_delta,
                   bit<8> win_shift_in, bit<8> win_shift_out,
                   bit<32> handoff_seq, bit<32> max_window) {
        local_metadata.bypassed = true;
        local_metadata.bypass.ack_delta = ack_delta;
        local_metadata.bypass.tsval_delta = tsval_delta;
        local_metadata.bypass.tsecr_delta = tsecr_delta;

        // This entry's cell and tag in ack_seen, and the other direction's: its key is this entry's rewritten tuple
        // reversed, and its deltas are this entry's swapped, so both entries of a bypass find each other's cell.
        local_metadata.bypass.own_hash = TUPLE_MIX(hdr.ipv4.src_addr, hdr.ipv4.dst_addr, hdr.tcp.src_port,
                                                   hdr.tcp.dst_port, seq_delta, ack_delta);
        local_metadata.bypass.other_hash = TUPLE_MIX(ip_dst, ip_src, dst_port, src_port, ack_delta, seq_delta);
        // A new connection on the tuple completes its handshake (handshake.p4): this entry's tag, the proxy host
        // answered the SYN, SEQ follows the SYN and ACK follows the SYN-ACK. A cell another tuple or bypass took
        // fails the tag or the numbers: collisions can only leave a segment translated.
        bit<32> tuple_cell = TUPLE_MIX(hdr.ipv4.src_addr, hdr.ipv4.dst_addr, hdr.tcp.src_port, hdr.tcp.dst_port,
                                       32w0, 32w0);
        bit<91> handshake_seen;
        handshake.read(handshake_seen, (bit<32>) tuple_cell[31:16]);
        local_metadata.bypass.untranslated = hdr.tcp.syn == 1
                                             || (handshake_seen[90:75] == HANDSHAKE_TAG(tuple_cell, ack_delta)
                                                 && handshake_seen[64:64] == 1 && hdr.tcp.ack == 1
                                                 && hdr.tcp.seq_no == handshake_seen[63:32] + 1
                                                 && hdr.tcp.ack_no == handshake_seen[31:0] + 1);
        ack_seen.read(local_metadata.bypass.other_seen, (bit<32>) local_metadata.bypass.other_hash[31:16]);
        // Until the other endpoint has acknowledged something through this bypass (or when another bypass took
        // the cell) its window starts where this sender stood at the hand-off and is at most the largest one it
        // can announce.
        local_metadata.bypass.plausible =
            local_metadata.bypass.other_seen[79:64] == local_metadata.bypass.other_hash[15:0]
            ? hdr.tcp.seq_no - local_metadata.bypass.other_seen[31:0] <= local_metadata.bypass.other_seen[63:32]
            : hdr.tcp.seq_no - handoff_seq <= max_window;

        standard_metadata.egress_spec = port;
        // Addresses are covered by the IPv4 header checksum and, through the pseudo-header, by TCP's.
        bit<32> ip_diff = CSUM_DIFF32(hdr.ipv4.src_addr, ip_src) + CSUM_DIFF32(hdr.ipv4.dst_addr, ip_dst);
        bit<32> seq_no = hdr.tcp.seq_no + seq_delta;
        // Without the ACK flag the acknowledgment field and TSecr mean nothing: left as they came.
        bit<32> ack_no = hdr.tcp.ack == 1 ? hdr.tcp.ack_no - ack_delta : hdr.tcp.ack_no;
        // The receiver scales the field by its own shift: rescale, round down, never overstate.
        bit<32> window_bytes = (bit<32>) hdr.tcp.window << win_shift_in;
        bit<32> scaled = window_bytes >> win_shift_out;
        bit<16> window = scaled > 0xffff ? 16w0xffff : scaled[15:0];
        bit<32> tsval = hdr.tcp_aligned_ts.tsval + tsval_delta;
        bit<32> tsecr = hdr.tcp.ack == 1 ? hdr.tcp_aligned_ts.tsecr - tsecr_delta : hdr.tcp_aligned_ts.tsecr;
        bit<32> tcp_diff = ip_diff
            + CSUM_DIFF16(hdr.tcp.src_port, src_port) + CSUM_DIFF16(hdr.tcp.dst_port, dst_port)
            + CSUM_DIFF32(hdr.tcp.seq_no, seq_no) + CSUM_DIFF32(hdr.tcp.ack_no, ack_no)
            + CSUM_DIFF16(hdr.tcp.window, window)
            + (hdr.tcp_aligned_ts.isValid()
               ? CSUM_DIFF32(hdr.tcp_aligned_ts.tsval, tsval) + CSUM_DIFF32(hdr.tcp_aligned_ts.tsecr, tsecr)
               : 32w0);

        // Recorded only from an endpoint's plausible segment that acknowledges and is translated whole.
        ack_seen.write(local_metadata.bypass.plausible && hdr.tcp.ack == 1 && !KEEP && hdr.ipv4.ihl == 5
                       && hdr.ipv4.flags[0:0] == 0 && !local_metadata.tcp_opts_unparsed && !local_metadata.injected
                       ? (bit<32>) local_metadata.bypass.own_hash[31:16] : ACK_SEEN_SPARE,
                       local_metadata.bypass.own_hash[15:0] ++ window_bytes ++ ack_no);

        hdr.ethernet.src_addr = KEEP ? hdr.ethernet.src_addr : eth_src;
        hdr.ethernet.dst_addr = KEEP ? hdr.ethernet.dst_addr : eth_dst;
        hdr.ipv4.src_addr = KEEP ? hdr.ipv4.src_addr : ip_src;
        hdr.ipv4.dst_addr = KEEP ? hdr.ipv4.dst_addr : ip_dst;
        hdr.ipv4.hdr_checksum = KEEP ? hdr.ipv4.hdr_checksum : CSUM_UPDATE(hdr.ipv4.hdr_checksum, ip_diff);
        hdr.tcp.src_port = KEEP ? hdr.tcp.src_port : src_port;
        hdr.tcp.dst_port = KEEP ? hdr.tcp.dst_port : dst_port;
        hdr.tcp.seq_no = KEEP ? hdr.tcp.seq_no : seq_no;
        hdr.tcp.ack_no = KEEP ? hdr.tcp.ack_no : ack_no;
        hdr.tcp.window = KEEP ? hdr.tcp.window : window;
        hdr.tcp.checksum = KEEP ? hdr.tcp.checksum : CSUM_UPDATE(hdr.tcp.checksum, tcp_diff);
        hdr.tcp_aligned_ts.tsval = KEEP ? hdr.tcp_aligned_ts.tsval : tsval;
        hdr.tcp_aligned_ts.tsecr = KEEP ? hdr.tcp_aligned_ts.tsecr : tsecr;
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

    // The same entries without a counter, for the segments the bypass never translates (SYN, fragments, IPv4
    // options, unparsed TCP options): v1model counts a direct counter on every hit, and bypass_counter counts only
    // what was translated.
    table bypass_guard {
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
        size = 65536;
    }

    apply {
        if (hdr.tcp.isValid()) {
            // A probe is not the connection's traffic: uncounted, so only an endpoint's answer moves the counter.
            if (hdr.tcp.syn == 0 && hdr.ipv4.ihl == 5 && hdr.ipv4.flags[0:0] == 0
                    && !local_metadata.tcp_opts_unparsed && !local_metadata.injected) {
                bypass_table.apply();
            } else {
                // A first fragment is hashed before the action rewrites its addresses (its later fragments, below,
                // come with the original ones).
                local_metadata.bypass.fragment_hash = FRAGMENT_MIX(hdr.ipv4.src_addr, hdr.ipv4.dst_addr,
                                                                   hdr.ipv4.identification);
                bypass_guard.apply();
            }
        } else if (hdr.ipv4.isValid() && hdr.ipv4.frag_offset != 0) {
            // A later fragment has no TCP header and matches no entry. If the first fragment of its datagram was a
            // bypassed connection's, dropped below, it is dropped and counted too: through the proxy host it would
            // only wait out the reassembly timeout.
            local_metadata.bypass.fragment_hash = FRAGMENT_MIX(hdr.ipv4.src_addr, hdr.ipv4.dst_addr,
                                                               hdr.ipv4.identification);
            bit<64> first;
            first_fragments.read(first, (bit<32>) local_metadata.bypass.fragment_hash[31:20]);
            if (first[63:48] == local_metadata.bypass.fragment_hash[15:0]
                    && standard_metadata.ingress_global_timestamp - first[47:0] < FRAGMENT_LIFETIME) {
                local_metadata.bypass.later_fragment = true;
                mark_to_drop(standard_metadata);
                anomaly_counter.count(ANOMALY_FRAGMENT);
            }
        }
        // Everything below is rare: a segment of Linux's layouts without SACK, FIN or RST is done.
        if (local_metadata.bypassed
                && (local_metadata.bypass.untranslated || hdr.tcp.fin == 1 || hdr.tcp.rst == 1
                    || hdr.ipv4.ihl != 5 || hdr.ipv4.flags[0:0] == 1 || local_metadata.tcp_opts_unparsed
                    || hdr.tcp_aligned_sack.isValid() || local_metadata.tcp_opt_count != 0
                    || local_metadata.injected)) {
            if (local_metadata.bypass.untranslated) {
                // A SYN belongs to a new connection on the tuple, never the bypassed one (and RFC 7323 never
                // scales a SYN's window), but may be blind: the action left it as it came, the ACL forwards it,
                // and handshake.p4 remembers it. A segment that completes its handshake proves the new connection:
                // it goes on as it came too, and a copy makes the controller end the stale bypass.
                local_metadata.bypassed = false;
                if (hdr.tcp.syn == 1) {
                    local_metadata.bypass.syn_hit = true;
                } else {
                    clone_preserving_field_list(CloneType.I2E, CPU_CLONE_SESSION_ID, CPU_COPY_FIELD_LIST);
                }
            } else {
                if (local_metadata.injected) {
                    // The controller's keepalive probe of an idle bypass, sent as this entry's sender with SEQ 0 (so
                    // the action added just the delta) and, as the fallback ACK, the receiver's send point at the
                    // hand-off. It becomes a keepalive: SEQ one below the receiver's last ACK point, which any TCP
                    // answers at once with an ACK (RFC 9293 3.10.7.4; Linux checks SEQ before the ACK field and
                    // the window), and ACK the other endpoint's last one, so that a host without the connection
                    // answers with a RST the switch finds plausible. A receiver that has acknowledged nothing
                    // through the bypass (or whose cell another bypass took) has no known ACK point: not probed.
                    bit<80> own_seen;
                    ack_seen.read(own_seen, (bit<32>) local_metadata.bypass.own_hash[31:16]);
                    bit<32> seq_no = hdr.tcp.seq_no + local_metadata.bypass.other_seen[31:0] - 1;
                    bit<32> ack_no = own_seen[79:64] == local_metadata.bypass.own_hash[15:0]
                                     ? own_seen[31:0] : hdr.tcp.ack_no;
                    hdr.tcp.checksum = CSUM_UPDATE(hdr.tcp.checksum, CSUM_DIFF32(hdr.tcp.seq_no, seq_no)
                                                                     + CSUM_DIFF32(hdr.tcp.ack_no, ack_no));
                    hdr.tcp.seq_no = seq_no;
                    hdr.tcp.ack_no = ack_no;
                    if (local_metadata.bypass.other_seen[79:64] != local_metadata.bypass.other_hash[15:0]) {
                        mark_to_drop(standard_metadata);
                    }
                }
                if (hdr.tcp.fin == 1 || hdr.tcp.rst == 1) {
                    if (local_metadata.bypass.plausible) {
                        // The copy is the segment as it arrived: its 5-tuple is this entry's key.
                        clone_preserving_field_list(CloneType.I2E, CPU_CLONE_SESSION_ID, CPU_COPY_FIELD_LIST);
                    } else {
                        anomaly_counter.count(ANOMALY_BLIND_CLOSE);
                    }
                }
                // Half-translated segments would feed the receiver numbers from the other leg's space: a later
                // fragment carries no TCP header to translate, IPv4 options (source routes) name the old
                // addresses, and SACK or timestamps may hide in option bytes the parser could not take apart.
                if (hdr.ipv4.flags[0:0] == 1 && hdr.ipv4.frag_offset == 0) {
                    mark_to_drop(standard_metadata);
                    anomaly_counter.count(ANOMALY_FRAGMENT);
                    first_fragments.write((bit<32>) local_metadata.bypass.fragment_hash[31:20],
                                          local_metadata.bypass.fragment_hash[15:0]
                                          ++ standard_metadata.ingress_global_timestamp);
                } else if (hdr.ipv4.ihl != 5) {
                    mark_to_drop(standard_metadata);
                    anomaly_counter.count(ANOMALY_IPV4_OPTIONS);
                } else if (local_metadata.tcp_opts_unparsed) {
                    mark_to_drop(standard_metadata);
                    anomaly_counter.count(ANOMALY_TCP_OPTIONS);
                } else if (hdr.tcp_aligned_sack.isValid() || local_metadata.tcp_opt_count != 0) {
                    // The action updated the checksum for everything else; these differences follow.
                    bit<32> tcp_diff = 0;
                    bit<32> odd_diff = 0;
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
                    hdr.tcp.checksum = CSUM_UPDATE(hdr.tcp.checksum, tcp_diff + CSUM_SWAP(odd_diff));
                }
            }
        }
    }
}

#endif
