#ifndef __PACKET_IO__
#define __PACKET_IO__

#include "headers.p4"
#include "defines.p4"

// Packet-out: the controller names the egress port; nothing else in the pipeline touches the frame.
control packet_io_ingress(inout headers_t hdr, inout standard_metadata_t standard_metadata) {
    apply {
        if (hdr.packet_out.isValid()) {
            standard_metadata.egress_spec = hdr.packet_out.egress_port;
            hdr.packet_out.setInvalid();
            exit;
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
