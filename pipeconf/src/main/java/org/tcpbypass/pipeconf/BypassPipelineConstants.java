package org.tcpbypass.pipeconf;

import org.onosproject.net.pi.model.PiActionId;
import org.onosproject.net.pi.model.PiActionParamId;
import org.onosproject.net.pi.model.PiCounterId;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.model.PiPacketMetadataId;
import org.onosproject.net.pi.model.PiPipeconfId;
import org.onosproject.net.pi.model.PiRegisterId;
import org.onosproject.net.pi.model.PiTableId;

/**
 * Names and widths of the tcp-bypass P4 pipeline, exactly as they appear in the committed P4Info.
 * No other class spells these names.
 */
public final class BypassPipelineConstants {

    private BypassPipelineConstants() {
    }

    /** Identifier of the tcp-bypass pipeconf for BMv2. */
    public static final PiPipeconfId PIPECONF_ID = new PiPipeconfId("org.tcpbypass.bmv2");

    /** BMv2 port number of the CPU port (packet-in/out). */
    public static final long CPU_PORT = 255;
    /** Clone session that copies FIN/RST and new-connection segments of bypassed tuples to the CPU port. */
    public static final int CPU_CLONE_SESSION_ID = 99;

    // Header fields (match fields)
    public static final PiMatchFieldId HDR_IN_PORT = PiMatchFieldId.of("standard_metadata.ingress_port");
    public static final PiMatchFieldId HDR_ETH_SRC = PiMatchFieldId.of("hdr.ethernet.src_addr");
    public static final PiMatchFieldId HDR_ETH_DST = PiMatchFieldId.of("hdr.ethernet.dst_addr");
    public static final PiMatchFieldId HDR_ETH_TYPE = PiMatchFieldId.of("hdr.ethernet.ether_type");
    public static final PiMatchFieldId HDR_IPV4_SRC = PiMatchFieldId.of("hdr.ipv4.src_addr");
    public static final PiMatchFieldId HDR_IPV4_DST = PiMatchFieldId.of("hdr.ipv4.dst_addr");
    public static final PiMatchFieldId HDR_IP_PROTO = PiMatchFieldId.of("hdr.ipv4.protocol");
    public static final PiMatchFieldId HDR_L4_SRC = PiMatchFieldId.of("local_metadata.l4_src_port");
    public static final PiMatchFieldId HDR_L4_DST = PiMatchFieldId.of("local_metadata.l4_dst_port");
    public static final PiMatchFieldId HDR_TCP_SRC = PiMatchFieldId.of("hdr.tcp.src_port");
    public static final PiMatchFieldId HDR_TCP_DST = PiMatchFieldId.of("hdr.tcp.dst_port");

    // ACL / forwarding table
    public static final PiTableId ACL_TABLE = PiTableId.of("ingress.acl.acl_table");
    public static final PiCounterId ACL_COUNTER = PiCounterId.of("ingress.acl.acl_counter");
    public static final PiActionId ACL_SET_EGRESS_PORT = PiActionId.of("ingress.acl.set_egress_port");
    public static final PiActionId ACL_PUNT_TO_CPU = PiActionId.of("ingress.acl.punt_to_cpu");
    public static final PiActionId ACL_DROP = PiActionId.of("ingress.acl.drop");

    // Bypass table: one entry per direction of a bypassed connection
    public static final PiTableId BYPASS_TABLE = PiTableId.of("ingress.bypass.bypass_table");
    /**
     * The bypass table's entries again, without a counter, for the segments the bypass never translates (SYN,
     * fragments, IPv4 options, unparsed TCP options), so that {@link #BYPASS_COUNTER} counts what was translated.
     */
    public static final PiTableId BYPASS_GUARD = PiTableId.of("ingress.bypass.bypass_guard");
    public static final PiCounterId BYPASS_COUNTER = PiCounterId.of("ingress.bypass.bypass_counter");
    public static final PiActionId BYPASS_REWRITE = PiActionId.of("ingress.bypass.rewrite");
    /** Bypassed segments not translated (dropped) or FIN/RST not reported, one cell per reason below. */
    public static final PiCounterId ANOMALY_COUNTER = PiCounterId.of("ingress.bypass.anomaly_counter");
    /** {@link #ANOMALY_COUNTER} cell: IPv4 fragments (MF set or offset not 0) of bypassed tuples, dropped. */
    public static final int ANOMALY_FRAGMENT = 0;
    /** {@link #ANOMALY_COUNTER} cell: bypassed segments with IPv4 options, dropped. */
    public static final int ANOMALY_IPV4_OPTIONS = 1;
    /** {@link #ANOMALY_COUNTER} cell: bypassed segments whose TCP options cannot be taken apart, dropped. */
    public static final int ANOMALY_TCP_OPTIONS = 2;
    /** {@link #ANOMALY_COUNTER} cell: FIN/RST outside the window the other endpoint last announced, not copied. */
    public static final int ANOMALY_BLIND_CLOSE = 3;
    /** Number of {@link #ANOMALY_COUNTER} cells. */
    public static final int ANOMALY_REASONS = 4;
    /** Per bypass entry (cell found by a hash), the last plausible ACK and window its sender announced. */
    public static final PiRegisterId ACK_SEEN = PiRegisterId.of("ingress.bypass.ack_seen");
    /** Cells of {@link #ACK_SEEN}: 65536 found by hash, and a last one that takes writes that record nothing. */
    public static final int ACK_SEEN_CELLS = 65537;
    /** Per 4-tuple (cell found by a hash), the last SYN on a bypassed tuple and the proxy host's answer to it. */
    public static final PiRegisterId HANDSHAKE = PiRegisterId.of("handshake");
    /** Cells of {@link #HANDSHAKE}. */
    public static final int HANDSHAKE_CELLS = 65536;

    // Action parameters
    public static final PiActionParamId PORT = PiActionParamId.of("port");
    public static final PiActionParamId ETH_SRC = PiActionParamId.of("eth_src");
    public static final PiActionParamId ETH_DST = PiActionParamId.of("eth_dst");
    public static final PiActionParamId IP_SRC = PiActionParamId.of("ip_src");
    public static final PiActionParamId IP_DST = PiActionParamId.of("ip_dst");
    public static final PiActionParamId SRC_PORT = PiActionParamId.of("src_port");
    public static final PiActionParamId DST_PORT = PiActionParamId.of("dst_port");
    /** Added to SEQ. */
    public static final PiActionParamId SEQ_DELTA = PiActionParamId.of("seq_delta");
    /** Subtracted from ACK and from every SACK block edge. */
    public static final PiActionParamId ACK_DELTA = PiActionParamId.of("ack_delta");
    /** Added to TSval. */
    public static final PiActionParamId TSVAL_DELTA = PiActionParamId.of("tsval_delta");
    /** Subtracted from TSecr. */
    public static final PiActionParamId TSECR_DELTA = PiActionParamId.of("tsecr_delta");
    /** The window field is shifted left by this (the sender's announced shift)... */
    public static final PiActionParamId WIN_SHIFT_IN = PiActionParamId.of("win_shift_in");
    /** ...then right by this (the shift the receiver applies), rounding down, capped at 65535. */
    public static final PiActionParamId WIN_SHIFT_OUT = PiActionParamId.of("win_shift_out");
    /**
     * The sender's next SEQ at the hand-off: until the receiver acknowledges something through the switch, a FIN or
     * RST is plausible when its SEQ lies at most {@link #MAX_WINDOW} past this.
     */
    public static final PiActionParamId HANDOFF_SEQ = PiActionParamId.of("handoff_seq");
    /** The largest window, in bytes, the receiver can announce (65535 shifted by its own window scale). */
    public static final PiActionParamId MAX_WINDOW = PiActionParamId.of("max_window");

    // Bit widths the Java code assumes (checked against the P4Info by tests)
    public static final int PORT_BITS = 9;
    public static final int MAC_BITS = 48;
    public static final int IPV4_BITS = 32;
    public static final int L4_PORT_BITS = 16;
    public static final int SEQ_BITS = 32;
    public static final int SHIFT_BITS = 8;

    // Packet I/O metadata
    public static final PiPacketMetadataId PKT_IN_INGRESS_PORT = PiPacketMetadataId.of("ingress_port");
    public static final PiPacketMetadataId PKT_OUT_EGRESS_PORT = PiPacketMetadataId.of("egress_port");
    /** Packet-out bit: 1 sends the frame through the pipeline instead of out of egress_port. */
    public static final PiPacketMetadataId PKT_OUT_THROUGH_PIPELINE = PiPacketMetadataId.of("through_pipeline");
    /** Zero bits that pad packet_in/packet_out to whole bytes. */
    public static final PiPacketMetadataId PKT_PADDING = PiPacketMetadataId.of("_pad");
    public static final int PKT_IN_PADDING_BITS = 7;
    public static final int PKT_OUT_PADDING_BITS = 6;
}
