#ifndef __ACL__
#define __ACL__

#include "headers.p4"
#include "defines.p4"

// Forwarding before any bypass, in the spirit of ONOS basic.p4's table0: ONOS flow objectives (reactive
// forwarding, LLDP/ARP punts) land here through the pipeliner.
control acl_control(inout headers_t hdr,
                    inout local_metadata_t local_metadata,
                    inout standard_metadata_t standard_metadata) {

    direct_counter(CounterType.packets_and_bytes) acl_counter;

    action set_egress_port(port_t port) {
        standard_metadata.egress_spec = port;
    }

    action punt_to_cpu() {
        standard_metadata.egress_spec = CPU_PORT;
    }

    action drop() {
        mark_to_drop(standard_metadata);
    }

    table acl_table {
        key = {
            standard_metadata.ingress_port : ternary;
            hdr.ethernet.src_addr          : ternary;
            hdr.ethernet.dst_addr          : ternary;
            hdr.ethernet.ether_type        : ternary;
            hdr.ipv4.src_addr              : ternary;
            hdr.ipv4.dst_addr              : ternary;
            hdr.ipv4.protocol              : ternary;
            local_metadata.l4_src_port     : ternary;
            local_metadata.l4_dst_port     : ternary;
            // ONOS's TCP_SRC/TCP_DST criteria name the TCP header fields (the bypass table's key) in every table.
            hdr.tcp.src_port               : ternary;
            hdr.tcp.dst_port               : ternary;
        }
        actions = {
            set_egress_port;
            punt_to_cpu;
            drop;
        }
        const default_action = drop();
        counters = acl_counter;
        size = 1024;
    }

    apply {
        acl_table.apply();
    }
}

#endif
