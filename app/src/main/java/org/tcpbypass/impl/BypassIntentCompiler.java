package org.tcpbypass.impl;

import com.google.common.collect.ImmutableList;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.flow.DefaultFlowRule;
import org.onosproject.net.flow.DefaultTrafficSelector;
import org.onosproject.net.flow.DefaultTrafficTreatment;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.TrafficSelector;
import org.onosproject.net.intent.FlowRuleIntent;
import org.onosproject.net.intent.Intent;
import org.onosproject.net.intent.Key;
import org.onosproject.net.intent.PathIntent;
import org.onosproject.net.pi.model.PiActionParamId;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onlab.packet.IpPrefix;
import org.onlab.packet.MacAddress;
import org.onosproject.core.ApplicationId;
import org.onlab.packet.TpPort;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.TcpEndpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static com.google.common.base.Preconditions.checkArgument;
import static org.tcpbypass.api.BypassDirection.TO_CLIENT;
import static org.tcpbypass.api.BypassDirection.TO_SERVER;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ACK_DELTA;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_GUARD;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_REWRITE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.DST_PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ETH_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ETH_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HANDOFF_SEQ;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.IPV4_BITS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.IP_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.IP_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.L4_PORT_BITS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.MAC_BITS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.MAX_WINDOW;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PORT_BITS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.SEQ_BITS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.SEQ_DELTA;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.SHIFT_BITS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.SRC_PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.TSECR_DELTA;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.TSVAL_DELTA;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.WIN_SHIFT_IN;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.WIN_SHIFT_OUT;

/**
 * Builds the intent the app submits for a bypass: one flow rule intent, keyed by the bypass, holding the
 * connection's entries, one per direction in the bypass table (counted: the segments it translates) and the same
 * again in the bypass guard table (the segments it never translates). Each entry matches the segment as its sender
 * addressed it and carries a single PI instruction, the pipeline's rewrite action with every parameter, so ONOS
 * hands it to the switch without an interpreter. Only ONOS's own types reach the intent store: its serializer
 * (KryoNamespaces.API) knows no app-defined class, and ONOS installs a flow rule intent without compiling it.
 */
public final class BypassIntentCompiler {

    private static final int APP_ID_SHIFT = 48;
    private static final long ID_MASK = (1L << APP_ID_SHIFT) - 1;
    private static final int ID_SHIFT = 2;
    private static final long GUARD_FLAG = 2;

    private BypassIntentCompiler() {
    }

    /**
     * Returns the intent that installs a bypass's entries.
     *
     * @param appId            application id
     * @param bypass           the connection's record, with its translation
     * @param clientAttachment where segments toward the client leave the switch, and the MAC they go to
     * @param serverAttachment where segments toward the server leave the switch, and the MAC they go to
     * @param proxyMac         source MAC of rewritten segments: the proxy's, as the endpoints saw before
     * @return flow rule intent keyed by {@link #key(ApplicationId, BypassId)}; its rules are the bypass table's
     *         (toward the server, toward the client), then the guard table's in the same order
     * @throws IllegalArgumentException if the record has no translation
     */
    public static FlowRuleIntent compile(ApplicationId appId, Bypass bypass, Attachment clientAttachment,
                                         Attachment serverAttachment, MacAddress proxyMac) {
        BypassTranslation translation = bypass.translation().orElseThrow(
                () -> new IllegalArgumentException("bypass " + bypass.id() + " has no translation"));
        List<FlowRule> rules = new ArrayList<>(4);
        for (PiTableId table : List.of(BYPASS_TABLE, BYPASS_GUARD)) {
            for (BypassDirection direction : List.of(TO_SERVER, TO_CLIENT)) {
                Attachment out = direction == TO_SERVER ? serverAttachment : clientAttachment;
                rules.add(flowRule(appId, bypass, table,
                                   rewrite(bypass.tuple(), translation, direction, out, proxyMac), direction));
            }
        }
        return new FlowRuleIntent(appId, key(appId, bypass.id()), rules, ImmutableList.of(),
                                  PathIntent.ProtectionType.PRIMARY, null);
    }

    /**
     * Returns the key of a bypass's intent.
     *
     * @param appId application id
     * @param id    record id
     * @return intent key
     */
    public static Key key(ApplicationId appId, BypassId id) {
        return Key.of(id.toString(), appId);
    }

    /**
     * Returns the record an intent belongs to, if it is one of the app's bypass intents.
     *
     * @param appId  application id
     * @param intent any intent
     * @return record id, or empty for another application's or another kind of intent
     */
    static Optional<BypassId> bypassId(ApplicationId appId, Intent intent) {
        if (!appId.equals(intent.appId()) || !(intent instanceof FlowRuleIntent)) {
            return Optional.empty();
        }
        try {
            return Optional.of(BypassId.valueOf(intent.key().toString()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Returns the endpoint segments in a direction come from, before the switch rewrites them.
     *
     * @param tuple     connection endpoints
     * @param direction direction
     * @return source endpoint as the sender wrote it
     */
    static TcpEndpoint ingressSource(ConnectionTuple tuple, BypassDirection direction) {
        return direction == TO_SERVER ? tuple.client() : tuple.server();
    }

    /**
     * Returns the endpoint segments in a direction are addressed to, before the switch rewrites them.
     *
     * @param tuple     connection endpoints
     * @param direction direction
     * @return destination endpoint as the sender wrote it
     */
    static TcpEndpoint ingressDestination(ConnectionTuple tuple, BypassDirection direction) {
        return direction == TO_SERVER ? tuple.vip() : tuple.proxy();
    }

    /**
     * Returns the bypass-table match of one direction: exactly the 5-tuple the sender wrote.
     *
     * @param tuple     connection endpoints
     * @param direction direction
     * @return selector
     */
    static TrafficSelector selector(ConnectionTuple tuple, BypassDirection direction) {
        TcpEndpoint src = ingressSource(tuple, direction);
        TcpEndpoint dst = ingressDestination(tuple, direction);
        return DefaultTrafficSelector.builder()
                .matchIPSrc(IpPrefix.valueOf(src.ip(), IPV4_BITS))
                .matchIPDst(IpPrefix.valueOf(dst.ip(), IPV4_BITS))
                .matchTcpSrc(TpPort.tpPort(src.port()))
                .matchTcpDst(TpPort.tpPort(dst.port()))
                .build();
    }

    /**
     * Returns the rewrite action of one direction.
     *
     * @param tuple     connection endpoints
     * @param t         translation
     * @param direction direction
     * @param out       where the direction's segments leave, and the MAC they go to
     * @param proxyMac  the proxy's MAC, rewritten segments' source
     * @return PI action of the bypass table
     */
    static PiAction rewrite(ConnectionTuple tuple, BypassTranslation t, BypassDirection direction, Attachment out,
                            MacAddress proxyMac) {
        boolean toServer = direction == TO_SERVER;
        TcpEndpoint src = toServer ? tuple.proxy() : tuple.vip();
        TcpEndpoint dst = toServer ? tuple.server() : tuple.client();
        return PiAction.builder()
                .withId(BYPASS_REWRITE)
                .withParameter(param(PORT, out.port().toLong(), PORT_BITS))
                .withParameter(new PiActionParam(ETH_SRC, bytes(proxyMac.toLong(), MAC_BITS)))
                .withParameter(new PiActionParam(ETH_DST, bytes(out.mac().toLong(), MAC_BITS)))
                .withParameter(param(IP_SRC, src.ip().toInt() & 0xFFFF_FFFFL, IPV4_BITS))
                .withParameter(param(IP_DST, dst.ip().toInt() & 0xFFFF_FFFFL, IPV4_BITS))
                .withParameter(param(SRC_PORT, src.port(), L4_PORT_BITS))
                .withParameter(param(DST_PORT, dst.port(), L4_PORT_BITS))
                .withParameter(param(SEQ_DELTA, t.seqDelta(direction), SEQ_BITS))
                .withParameter(param(ACK_DELTA, t.ackDelta(direction), SEQ_BITS))
                .withParameter(param(TSVAL_DELTA, t.tsValDelta(direction), SEQ_BITS))
                .withParameter(param(TSECR_DELTA, t.tsEcrDelta(direction), SEQ_BITS))
                .withParameter(param(WIN_SHIFT_IN, t.windowShiftIn(direction), SHIFT_BITS))
                .withParameter(param(WIN_SHIFT_OUT, t.windowShiftOut(direction), SHIFT_BITS))
                .withParameter(param(HANDOFF_SEQ, t.handOffSeq(direction), SEQ_BITS))
                .withParameter(param(MAX_WINDOW, t.maxWindow(direction), SEQ_BITS))
                .build();
    }

    /**
     * Returns the flow id (cookie) of one direction's entry: the app id in the top 16 bits, as ONOS lays out
     * generated ids, then the record id, the table (bypass or guard) and the direction. Unique per switch, cheap
     * (ONOS would otherwise hash the rule's text), and it leads a flow entry straight back to its record.
     *
     * @param appId     application id
     * @param id        record id, below 2^46
     * @param table     {@code BYPASS_TABLE} or {@code BYPASS_GUARD}
     * @param direction direction
     * @return cookie
     */
    static long cookie(short appId, BypassId id, PiTableId table, BypassDirection direction) {
        return ((long) appId << APP_ID_SHIFT) | (id.id() << ID_SHIFT & ID_MASK)
                | (table.equals(BYPASS_GUARD) ? GUARD_FLAG : 0) | direction.ordinal();
    }

    /**
     * Returns the record id a bypass entry's cookie carries.
     *
     * @param cookie flow id of a bypass entry
     * @return record id
     */
    static BypassId bypassId(long cookie) {
        return BypassId.of((cookie & ID_MASK) >>> ID_SHIFT);
    }

    /**
     * Returns the direction a bypass entry's cookie carries.
     *
     * @param cookie flow id of a bypass entry
     * @return direction
     */
    static BypassDirection direction(long cookie) {
        return BypassDirection.values()[(int) (cookie & 1)];
    }

    private static FlowRule flowRule(ApplicationId appId, Bypass bypass, PiTableId table, PiAction rewrite,
                                     BypassDirection direction) {
        return DefaultFlowRule.builder()
                .withCookie(cookie(appId.id(), bypass.id(), table, direction))
                .forDevice(bypass.deviceId())
                .forTable(table)
                .withPriority(Intent.DEFAULT_INTENT_PRIORITY)
                .makePermanent()
                .withSelector(selector(bypass.tuple(), direction))
                .withTreatment(DefaultTrafficTreatment.builder().piTableAction(rewrite).build())
                .build();
    }

    private static PiActionParam param(PiActionParamId id, long value, int bits) {
        checkArgument(value >= 0 && value < (1L << bits), "%s: %s does not fit in %s bits", id, value, bits);
        return new PiActionParam(id, bytes(value, bits));
    }

    // Big-endian, exactly as many bytes as the P4Runtime bitstring of that width: 0xFFFFFFFF stays 4 bytes.
    private static ImmutableByteSequence bytes(long value, int bits) {
        byte[] out = new byte[(bits + Byte.SIZE - 1) / Byte.SIZE];
        for (int i = out.length - 1, shift = 0; i >= 0; i--, shift += Byte.SIZE) {
            out[i] = (byte) (value >>> shift);
        }
        return ImmutableByteSequence.copyFrom(out);
    }
}
