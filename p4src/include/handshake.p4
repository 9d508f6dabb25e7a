#ifndef __HANDSHAKE__
#define __HANDSHAKE__

#include "headers.p4"
#include "defines.p4"

// A SYN on a bypassed 4-tuple proves nothing (an off-path attacker who knows the tuple can send one), so it does not
// end the bypass. Only a completed handshake does: the SYN left through some port, the proxy host's SYN-ACK came back
// through that same port acknowledging the SYN, and a segment of the tuple then carries SEQ = SYN + 1 and
// ACK = SYN-ACK + 1, a number only the SYN-ACK's receiver knows. A blind SYN's SYN-ACK goes to the real client, whose
// challenge ACK (RFC 5961) carries the live connection's numbers and is translated as before.
//
// Per 4-tuple (cell from TUPLE_MIX of the tuple with zero deltas): tag of the bypass entry the SYN hit (16 bits,
// HANDSHAKE_TAG: it mixes in the entry's ACK delta, so a later bypass of the tuple ignores the cell), port the SYN left
// through (9), SYN seen (1), SYN-ACK seen (1), the SYN's SEQ (32) and the SYN-ACK's SEQ (32). The bypass table's
// action reads it (bypass.p4); this control writes it.
register<bit<91>>(HANDSHAKE_CELLS) handshake;

// Tag of a bypass entry in its tuple's handshake cell: the low half of the tuple's hash and of the entry's ACK delta.
#define HANDSHAKE_TAG(tuple_cell, ack_delta) ((tuple_cell)[15:0] ^ (ack_delta)[15:0])

// After forwarding: records a SYN that hit a bypass entry, and the proxy host's answer to it.
control handshake_control(inout headers_t hdr,
                          inout local_metadata_t local_metadata,
                          inout standard_metadata_t standard_metadata) {
    apply {
        if (hdr.tcp.isValid() && hdr.tcp.syn == 1) {
            if (local_metadata.bypass.syn_hit) {
                // Where the ACL sent it: the answer must come back from there.
                bit<32> cell = TUPLE_MIX(hdr.ipv4.src_addr, hdr.ipv4.dst_addr, hdr.tcp.src_port, hdr.tcp.dst_port,
                                         32w0, 32w0);
                handshake.write((bit<32>) cell[31:16], HANDSHAKE_TAG(cell, local_metadata.bypass.ack_delta)
                                ++ standard_metadata.egress_spec ++ 1w1 ++ 1w0 ++ hdr.tcp.seq_no ++ 32w0);
            } else if (hdr.tcp.ack == 1) {
                bit<32> cell = TUPLE_MIX(hdr.ipv4.dst_addr, hdr.ipv4.src_addr, hdr.tcp.dst_port, hdr.tcp.src_port,
                                         32w0, 32w0);
                bit<91> seen;
                handshake.read(seen, (bit<32>) cell[31:16]);
                if (seen[65:65] == 1 && seen[74:66] == standard_metadata.ingress_port
                        && hdr.tcp.ack_no == seen[63:32] + 1) {
                    handshake.write((bit<32>) cell[31:16], seen[90:65] ++ 1w1 ++ seen[63:32] ++ hdr.tcp.seq_no);
                }
            }
        }
    }
}

#endif
