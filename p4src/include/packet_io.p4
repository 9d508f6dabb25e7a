#ifndef __PACKET_IO__
#define __PACKET_IO__

#include "headers.p4"
#include "defines.p4"

// Packet-out: the controller names the egress port and nothing else in the pipeline touches the frame, or it sends
// the frame through the pipeline (only the bypass takes such frames: keepalive probes of idle bypasses).
control packet_io_ingress(inout headers_t hdr, inout local_metadata_t local_metadata,
                          inout standard_metadata_t standard_metadata) {
    apply {
        if (hdr.packet_out.isValid()) {
            local_metadata.injected = hdr.packet_out.through_pipeline == 1;
            standard_metadata.egress_spec = hdr.packet_out.egress_port;
            hdr.packet_out.setInvalid();
            if (!local_metadata.injected) {
                exit;
            }
            // Only a bypass entry sends a probe on; one of a bypass that has gone is dropped (never the ACL's).
            mark_to_drop(standard_metadata);
        }
    }
}

// Packet-in: whatever leaves through the CPU port (punted packets, FIN/RST and new-connection copies) says where
// it came in.
control packet_io_egress(inout headers_t hdr, inout local_metadata_t local_metadata,
                         inout standard_metadata_t standard_metadata) {
    apply {
        if (standard_metadata.egress_port == CPU_PORT) {
            hdr.packet_in.setValid();
            hdr.packet_in.ingress_port = local_metadata.ingress_port;
            hdr.packet_in._pad = 0;
        }
    }
}

#endif
