/*
 * tcp-bypass: a v1model pipeline that forwards like ONOS basic.p4 and, for connections a TCP proxy has
 * handed off, rewrites each segment so both endpoints keep talking as if the proxy were still relaying.
 */
#include <core.p4>
#include <v1model.p4>

#include "include/defines.p4"
#include "include/headers.p4"
#include "include/parser.p4"
#include "include/checksums.p4"
#include "include/packet_io.p4"
#include "include/acl.p4"
#include "include/bypass.p4"
#include "include/handshake.p4"

control ingress(inout headers_t hdr,
                inout local_metadata_t local_metadata,
                inout standard_metadata_t standard_metadata) {

    acl_control() acl;
    bypass_control() bypass;
    handshake_control() handshake_guard;

    apply {
        packet_io_ingress.apply(hdr, local_metadata, standard_metadata);
        // A bypassed segment is forwarded by its bypass entry; everything else by the ACL.
        bypass.apply(hdr, local_metadata, standard_metadata);
        // A probe of a bypass that has gone, and the rest of a bypassed datagram whose first fragment was dropped,
        // stay dropped (packet_io.p4, bypass.p4): the proxy host must not get them.
        if (!local_metadata.bypassed && !local_metadata.injected && !local_metadata.bypass.later_fragment) {
            acl.apply(hdr, local_metadata, standard_metadata);
            handshake_guard.apply(hdr, local_metadata, standard_metadata);
        }
    }
}

control egress(inout headers_t hdr,
               inout local_metadata_t local_metadata,
               inout standard_metadata_t standard_metadata) {
    apply {
        packet_io_egress.apply(hdr, local_metadata, standard_metadata);
    }
}

V1Switch(tcp_bypass_parser(),
         tcp_bypass_verify_checksum(),
         ingress(),
         egress(),
         tcp_bypass_compute_checksum(),
         tcp_bypass_deparser()) main;
