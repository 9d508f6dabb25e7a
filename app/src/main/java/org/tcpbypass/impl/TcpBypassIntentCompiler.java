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
import org.onosproject.net.intent.IntentCompiler;
import org.onosproject.net.intent.PathIntent;
import org.onosproject.net.pi.model.PiActionParamId;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onlab.packet.IpPrefix;
import org.onlab.packet.TpPort;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.TcpEndpoint;

import java.util.List;

import static com.google.common.base.Preconditions.checkArgument;
import static org.tcpbypass.api.BypassDirection.TO_CLIENT;
import static org.tcpbypass.api.BypassDirection.TO_SERVER;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ACK_DELTA;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_REWRITE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.DST_PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ETH_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ETH_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.IPV4_BITS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.IP_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.IP_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.L4_PORT_BITS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.MAC_BITS;
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
 * Compiles a bypass intent into one flow rule intent holding the two bypass-table entries of the connection, one
 * per direction. Each entry matches the segment as its sender addressed it and carries a single PI instruction,
 * the pipeline's rewrite action with every parameter, so ONOS hands it to the switch without an interpreter.
 */
public final class TcpBypassIntentCompiler implements IntentCompiler<TcpBypassIntent> {

    private static final int APP_ID_SHIFT = 48;
    private static final long ID_MASK = (1L << APP_ID_SHIFT) - 1;

    @Override
    public List<Intent> compile(TcpBypassIntent intent, List<Intent> installable) {
        List<FlowRule> rules = ImmutableList.of(flowRule(intent, TO_SERVER), flowRule(intent, TO_CLIENT));
        return ImmutableList.of(new FlowRuleIntent(intent.appId(), intent.key(), rules, intent.resources(),
                                                   PathIntent.ProtectionType.PRIMARY, intent.resourceGroup()));
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
     * @param intent    bypass intent
     * @param direction direction
     * @return PI action of the bypass table
     */
    static PiAction rewrite(TcpBypassIntent intent, BypassDirection direction) {
        ConnectionTuple tuple = intent.tuple();
        BypassTranslation t = intent.translation();
        boolean toServer = direction == TO_SERVER;
        TcpEndpoint src = toServer ? tuple.proxy() : tuple.vip();
        TcpEndpoint dst = toServer ? tuple.server() : tuple.client();
        Attachment out = toServer ? intent.serverAttachment() : intent.clientAttachment();
        return PiAction.builder()
                .withId(BYPASS_REWRITE)
                .withParameter(param(PORT, out.port().toLong(), PORT_BITS))
                .withParameter(new PiActionParam(ETH_SRC, bytes(intent.proxyMac().toLong(), MAC_BITS)))
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
                .build();
    }

    /**
     * Returns the flow id (cookie) of one direction's entry: the app id in the top 16 bits, as ONOS lays out
     * generated ids, then the record id and the direction. Unique per switch, cheap (ONOS would otherwise hash
     * the rule's text), and it leads a flow entry straight back to its record.
     *
     * @param appId     application id
     * @param id        record id, below 2^47
     * @param direction direction
     * @return cookie
     */
    static long cookie(short appId, BypassId id, BypassDirection direction) {
        return ((long) appId << APP_ID_SHIFT) | (id.id() << 1 & ID_MASK) | direction.ordinal();
    }

    /**
     * Returns the record id a bypass entry's cookie carries.
     *
     * @param cookie flow id of a bypass entry
     * @return record id
     */
    static BypassId bypassId(long cookie) {
        return BypassId.of((cookie & ID_MASK) >>> 1);
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

    private static FlowRule flowRule(TcpBypassIntent intent, BypassDirection direction) {
        return DefaultFlowRule.builder()
                .withCookie(cookie(intent.appId().id(), intent.bypassId(), direction))
                .forDevice(intent.deviceId())
                .forTable(BYPASS_TABLE)
                .withPriority(intent.priority())
                .makePermanent()
                .withSelector(selector(intent.tuple(), direction))
                .withTreatment(DefaultTrafficTreatment.builder().piTableAction(rewrite(intent, direction)).build())
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
