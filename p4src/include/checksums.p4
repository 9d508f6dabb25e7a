#ifndef __CHECKSUMS__
#define __CHECKSUMS__

#include "headers.p4"

// Incremental Internet checksum update (RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m')).
// The bypass rewrites a handful of fields; updating the checksums by the difference keeps a segment that
// arrived corrupted detectably corrupted (a recomputation would bless it) and costs the same for any
// payload length. Sums are kept in 32 bits and folded at the end.

// Macros, not functions: BMv2 runs an inlined function's arguments and result as separate primitives, and
// the bypass pays per primitive (BMv2 formats a trace message for each at its default log level).

// ~m + m' for one 16-bit word.
#define CSUM_DIFF16(old_value, new_value) ((bit<32>) (~(old_value)) + (bit<32>) (new_value))

// ~m + m' for a 32-bit field (two 16-bit words).
#define CSUM_DIFF32(old_value, new_value) \
    ((bit<32>) (~(old_value)[31:16]) + (bit<32>) (~(old_value)[15:0]) \
     + (bit<32>) (new_value)[31:16] + (bit<32>) (new_value)[15:0])

// One's complement fold of a 32-bit sum into 16 bits (two rounds suffice for any 32-bit sum).
#define CSUM_FOLD1(sum) (((sum) & 0xffff) + ((sum) >> 16))
#define CSUM_FOLD(sum) (CSUM_FOLD1(CSUM_FOLD1(sum))[15:0])

// A difference summed over words at odd byte offsets counts byte-swapped (RFC 1071, byte order independence).
#define CSUM_SWAP(sum) ((bit<32>) (CSUM_FOLD(sum)[7:0] ++ CSUM_FOLD(sum)[15:8]))

#define CSUM_UPDATE(checksum, diff) (~CSUM_FOLD((bit<32>) (~(checksum)) + (diff)))

// Nothing is verified: a corrupted packet is forwarded as corrupted, and its receiver drops it.
control tcp_bypass_verify_checksum(inout headers_t hdr, inout local_metadata_t local_metadata) {
    apply { }
}

// Nothing is recomputed: the bypass updates both checksums incrementally in ingress, and nothing else
// changes a covered field.
control tcp_bypass_compute_checksum(inout headers_t hdr, inout local_metadata_t local_metadata) {
    apply { }
}

#endif
