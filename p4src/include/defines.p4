#ifndef __DEFINES__
#define __DEFINES__

#define ETH_TYPE_IPV4 16w0x0800
#define IP_PROTO_TCP 8w6
#define IP_PROTO_UDP 8w17

// Must match BypassPipelineConstants.CPU_PORT and CPU_CLONE_SESSION_ID.
const bit<9>  CPU_PORT = 255;
const bit<32> CPU_CLONE_SESSION_ID = 99;

// Field list (@field_list index) of the metadata a FIN/RST or new-connection copy carries to egress.
#define CPU_COPY_FIELD_LIST 1

// Option entries the generic option parser keeps apart (each NOP, option and SACK block is one entry; EOL and
// what follows it are not). Linux's layouts take the fixed headers instead; its SYN options need 5 entries.
#define TCP_OPTIONS_MAX 10

// Cells of ingress.bypass.ack_seen: one per bypass entry (found by a hash of the entry), and a spare one last
// that takes the writes of segments that record nothing (the action writes every time; it cannot branch).
#define ACK_SEEN_CELLS 65537
const bit<32> ACK_SEEN_SPARE = 65536;

// Cells of handshake: one per 4-tuple (found by a hash of the tuple alone, so that the proxy host's SYN-ACK, which
// matches no entry, finds its SYN's cell from its reversed tuple).
#define HANDSHAKE_CELLS 65536

// Cell (high 16 bits) and tag (low 16 bits) of a 4-tuple and two deltas: multiplicative hashing (odd constants, the
// high bits depend on every input bit) in one expression, where BMv2's hash extern would cost a primitive per input
// field.
#define TUPLE_MIX(src, dst, sport, dport, seq_delta, ack_delta) \
    (((((src) ^ (ack_delta)) * 32w0x9E3779B1 + ((dst) ^ (seq_delta))) * 32w0x85EBCA77 \
      + ((sport) ++ (dport))) * 32w0xC2B2AE35)

// Cells of ingress.bypass.first_fragments: the first fragments of bypassed connections' datagrams, found by a hash of
// source, destination and IPv4 identification (FRAGMENT_MIX: high 12 bits the cell, low 16 bits the tag), so that
// their later fragments, which carry no TCP header for an entry to match, are dropped too.
#define FRAGMENT_CELLS 4096
// How long after its first fragment a later one is dropped: Linux's IPv4 reassembly timeout (ipfrag_time, 30 s), in
// the microseconds of ingress_global_timestamp.
const bit<48> FRAGMENT_LIFETIME = 30000000;
#define FRAGMENT_MIX(src, dst, id) \
    ((((src) * 32w0x9E3779B1 + (dst)) * 32w0x85EBCA77 + ((bit<32>) (id))) * 32w0xC2B2AE35)

// Indexes of ingress.bypass.anomaly_counter: bypassed segments the switch does not translate or report.
const bit<32> ANOMALY_FRAGMENT = 0;
const bit<32> ANOMALY_IPV4_OPTIONS = 1;
const bit<32> ANOMALY_TCP_OPTIONS = 2;
const bit<32> ANOMALY_BLIND_CLOSE = 3;
#define ANOMALY_REASONS 4

typedef bit<48> mac_t;
typedef bit<32> ipv4_addr_t;
typedef bit<16> l4_port_t;
typedef bit<9>  port_t;

#endif
