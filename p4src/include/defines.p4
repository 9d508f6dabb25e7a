#ifndef __DEFINES__
#define __DEFINES__

#define ETH_TYPE_IPV4 16w0x0800
#define IP_PROTO_TCP 8w6
#define IP_PROTO_UDP 8w17

// Must match BypassPipelineConstants.CPU_PORT and CPU_CLONE_SESSION_ID.
const bit<9>  CPU_PORT = 255;
const bit<32> CPU_CLONE_SESSION_ID = 99;

// Field list (@field_list index) of the metadata a FIN/RST/SYN copy carries to egress.
#define CPU_COPY_FIELD_LIST 1

// Option entries the parser keeps apart (each NOP, EOL, option and SACK block is one entry).
// Linux's busiest segment (NOP NOP TS NOP NOP SACK + 3 blocks) needs 9.
#define TCP_OPTIONS_MAX 20

typedef bit<48> mac_t;
typedef bit<32> ipv4_addr_t;
typedef bit<16> l4_port_t;
typedef bit<9>  port_t;

#endif
