package org.tcpbypass.pipeconf;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import org.onlab.packet.DeserializationException;
import org.onlab.packet.Ethernet;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.ConnectPoint;
import org.onosproject.net.DeviceId;
import org.onosproject.net.Port;
import org.onosproject.net.PortNumber;
import org.onosproject.net.device.DeviceService;
import org.onosproject.net.driver.AbstractHandlerBehaviour;
import org.onosproject.net.flow.TrafficTreatment;
import org.onosproject.net.flow.criteria.Criterion;
import org.onosproject.net.flow.instructions.Instruction;
import org.onosproject.net.flow.instructions.Instructions.OutputInstruction;
import org.onosproject.net.flow.instructions.L2ModificationInstruction.ModEtherInstruction;
import org.onosproject.net.flow.instructions.L3ModificationInstruction.ModIPInstruction;
import org.onosproject.net.flow.instructions.L4ModificationInstruction.ModTransportPortInstruction;
import org.onosproject.net.packet.DefaultInboundPacket;
import org.onosproject.net.packet.InboundPacket;
import org.onosproject.net.packet.OutboundPacket;
import org.onosproject.net.pi.model.PiActionParamId;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.model.PiPacketOperationType;
import org.onosproject.net.pi.model.PiPipelineInterpreter;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiPacketMetadata;
import org.onosproject.net.pi.runtime.PiPacketOperation;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import static java.lang.String.format;
import static org.onlab.util.ImmutableByteSequence.copyFrom;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ACK_DELTA;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ACL_DROP;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ACL_PUNT_TO_CPU;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ACL_SET_EGRESS_PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ACL_TABLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_GUARD;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_REWRITE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.CPU_PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.DST_PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ETH_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ETH_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HANDOFF_SEQ;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_ETH_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_ETH_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_ETH_TYPE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_IN_PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_IPV4_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_IPV4_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_IP_PROTO;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_L4_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_L4_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_TCP_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_TCP_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.IP_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.IP_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.MAX_WINDOW;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PKT_IN_INGRESS_PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PKT_OUT_EGRESS_PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PKT_OUT_PADDING_BITS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PKT_OUT_THROUGH_PIPELINE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PKT_PADDING;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PORT_BITS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.SEQ_DELTA;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.SRC_PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.TSECR_DELTA;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.TSVAL_DELTA;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.WIN_SHIFT_IN;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.WIN_SHIFT_OUT;

/**
 * Maps ONOS flow rules and packet I/O to the tcp-bypass pipeline.
 * <p>
 * ACL table: OUTPUT to a port, OUTPUT to CONTROLLER (punt) or no instruction / NOACTION (drop).
 * Bypass table: the complete header rewrite (ETH_SRC/DST, IPV4_SRC/DST, TCP_SRC/DST, OUTPUT) maps to
 * {@code rewrite} with zero deltas and equal window shifts; rules that translate the sequence space carry
 * the {@code rewrite} action as a PI instruction instead, which ONOS passes through without this class.
 */
public class BypassInterpreter extends AbstractHandlerBehaviour implements PiPipelineInterpreter {

    /** Flow rule table 0 (what ONOS's single-table pipeliners and flow objectives use) is the ACL. */
    private static final Map<Integer, PiTableId> TABLES = ImmutableMap.of(0, ACL_TABLE);

    // TCP ports map to the TCP header fields (bypass key and ACL); UDP ports to the ACL's L4 port metadata.
    private static final Map<Criterion.Type, PiMatchFieldId> CRITERIA =
            ImmutableMap.<Criterion.Type, PiMatchFieldId>builder()
                .put(Criterion.Type.IN_PORT, HDR_IN_PORT)
                .put(Criterion.Type.ETH_SRC, HDR_ETH_SRC)
                .put(Criterion.Type.ETH_DST, HDR_ETH_DST)
                .put(Criterion.Type.ETH_TYPE, HDR_ETH_TYPE)
                .put(Criterion.Type.IPV4_SRC, HDR_IPV4_SRC)
                .put(Criterion.Type.IPV4_DST, HDR_IPV4_DST)
                .put(Criterion.Type.IP_PROTO, HDR_IP_PROTO)
                .put(Criterion.Type.TCP_SRC, HDR_TCP_SRC)
                .put(Criterion.Type.TCP_DST, HDR_TCP_DST)
                .put(Criterion.Type.UDP_SRC, HDR_L4_SRC)
                .put(Criterion.Type.UDP_DST, HDR_L4_DST)
                .build();

    private static final long ZERO = 0;
    private static final long ALL_ONES = 0xFFFF_FFFFL;

    @Override
    public Optional<PiMatchFieldId> mapCriterionType(Criterion.Type type) {
        return Optional.ofNullable(CRITERIA.get(type));
    }

    @Override
    public Optional<PiTableId> mapFlowRuleTableId(int flowRuleTableId) {
        return Optional.ofNullable(TABLES.get(flowRuleTableId));
    }

    @Override
    public Optional<Integer> mapLogicalPortNumber(PortNumber port) {
        return port.equals(PortNumber.CONTROLLER) ? Optional.of((int) CPU_PORT) : Optional.empty();
    }

    @Override
    public PiAction mapTreatment(TrafficTreatment treatment, PiTableId tableId) throws PiInterpreterException {
        if (tableId.equals(ACL_TABLE)) {
            return aclAction(treatment);
        }
        if (tableId.equals(BYPASS_TABLE) || tableId.equals(BYPASS_GUARD)) {
            return bypassAction(treatment);
        }
        throw new PiInterpreterException(format("Table '%s' is not part of the tcp-bypass pipeline", tableId));
    }

    private PiAction aclAction(TrafficTreatment treatment) throws PiInterpreterException {
        var instructions = treatment.allInstructions();
        if (instructions.isEmpty()) {
            return PiAction.builder().withId(ACL_DROP).build();
        }
        if (instructions.size() > 1) {
            throw new PiInterpreterException(format(
                    "ACL table takes one instruction (OUTPUT or NOACTION), not %s", instructions));
        }
        Instruction instruction = instructions.get(0);
        switch (instruction.type()) {
            case NOACTION:
                return PiAction.builder().withId(ACL_DROP).build();
            case OUTPUT:
                PortNumber port = ((OutputInstruction) instruction).port();
                if (port.equals(PortNumber.CONTROLLER)) {
                    return PiAction.builder().withId(ACL_PUNT_TO_CPU).build();
                }
                return PiAction.builder().withId(ACL_SET_EGRESS_PORT)
                        .withParameter(new PiActionParam(PORT, physicalPort(port))).build();
            default:
                throw new PiInterpreterException(format(
                        "Instruction %s is not supported in the ACL table", describe(instruction)));
        }
    }

    private PiAction bypassAction(TrafficTreatment treatment) throws PiInterpreterException {
        Map<PiActionParamId, PiActionParam> params = new LinkedHashMap<>();
        for (Instruction instruction : treatment.allInstructions()) {
            PiActionParam param = bypassParam(instruction);
            if (params.put(param.id(), param) != null) {
                throw new PiInterpreterException(format(
                        "Bypass treatment sets '%s' twice: %s", param.id(), treatment));
            }
        }
        for (PiActionParamId required : ImmutableList.of(PORT, ETH_SRC, ETH_DST, IP_SRC, IP_DST, SRC_PORT, DST_PORT)) {
            if (!params.containsKey(required)) {
                throw new PiInterpreterException(format(
                        "Bypass treatment lacks '%s' (needs OUTPUT, ETH_SRC/DST, IPV4_SRC/DST, TCP_SRC/DST): %s",
                        required, treatment));
            }
        }
        for (PiActionParamId delta : ImmutableList.of(SEQ_DELTA, ACK_DELTA, TSVAL_DELTA, TSECR_DELTA)) {
            params.put(delta, new PiActionParam(delta, ZERO));
        }
        params.put(WIN_SHIFT_IN, new PiActionParam(WIN_SHIFT_IN, ZERO));
        params.put(WIN_SHIFT_OUT, new PiActionParam(WIN_SHIFT_OUT, ZERO));
        // Without a sequence space the switch knows no window: every FIN and RST is plausible.
        params.put(HANDOFF_SEQ, new PiActionParam(HANDOFF_SEQ, ZERO));
        params.put(MAX_WINDOW, new PiActionParam(MAX_WINDOW, ALL_ONES));
        return PiAction.builder().withId(BYPASS_REWRITE).withParameters(params.values()).build();
    }

    private PiActionParam bypassParam(Instruction instruction) throws PiInterpreterException {
        switch (instruction.type()) {
            case OUTPUT:
                return new PiActionParam(PORT, physicalPort(((OutputInstruction) instruction).port()));
            case L2MODIFICATION:
                if (instruction instanceof ModEtherInstruction) {
                    var eth = (ModEtherInstruction) instruction;
                    switch (eth.subtype()) {
                        case ETH_SRC:
                            return new PiActionParam(ETH_SRC, copyFrom(eth.mac().toBytes()));
                        case ETH_DST:
                            return new PiActionParam(ETH_DST, copyFrom(eth.mac().toBytes()));
                        default:
                            break;
                    }
                }
                break;
            case L3MODIFICATION:
                if (instruction instanceof ModIPInstruction) {
                    var ip = (ModIPInstruction) instruction;
                    if (!ip.ip().isIp4()) {
                        throw new PiInterpreterException(format(
                                "Bypass table rewrites IPv4 addresses only, not IPv6 %s", ip.ip()));
                    }
                    switch (ip.subtype()) {
                        case IPV4_SRC:
                            return new PiActionParam(IP_SRC, copyFrom(ip.ip().toOctets()));
                        case IPV4_DST:
                            return new PiActionParam(IP_DST, copyFrom(ip.ip().toOctets()));
                        default:
                            break;
                    }
                }
                break;
            case L4MODIFICATION:
                if (instruction instanceof ModTransportPortInstruction) {
                    var l4 = (ModTransportPortInstruction) instruction;
                    switch (l4.subtype()) {
                        case TCP_SRC:
                            return new PiActionParam(SRC_PORT, copyFrom((short) l4.port().toInt()));
                        case TCP_DST:
                            return new PiActionParam(DST_PORT, copyFrom((short) l4.port().toInt()));
                        default:
                            break;
                    }
                }
                break;
            default:
                break;
        }
        throw new PiInterpreterException(format(
                "Instruction %s is not supported in the bypass table", describe(instruction)));
    }

    private static long physicalPort(PortNumber port) throws PiInterpreterException {
        if (port.isLogical()) {
            throw new PiInterpreterException(format("Output to logical port %s is not supported here", port));
        }
        if (port.toLong() >= 1L << PORT_BITS) {
            throw new PiInterpreterException(format("Port %s does not fit in %d bits", port, PORT_BITS));
        }
        return port.toLong();
    }

    private static String describe(Instruction instruction) {
        if (instruction instanceof ModEtherInstruction) {
            return instruction.type() + "/" + ((ModEtherInstruction) instruction).subtype();
        }
        if (instruction instanceof ModIPInstruction) {
            return instruction.type() + "/" + ((ModIPInstruction) instruction).subtype();
        }
        if (instruction instanceof ModTransportPortInstruction) {
            return instruction.type() + "/" + ((ModTransportPortInstruction) instruction).subtype();
        }
        return instruction.toString();
    }

    @Override
    public Collection<PiPacketOperation> mapOutboundPacket(OutboundPacket packet) throws PiInterpreterException {
        ImmutableList.Builder<PiPacketOperation> operations = ImmutableList.builder();
        for (Instruction instruction : packet.treatment().allInstructions()) {
            if (instruction.type() != Instruction.Type.OUTPUT) {
                throw new PiInterpreterException(format(
                        "Packet-out takes only OUTPUT instructions, not %s", describe(instruction)));
            }
            PortNumber port = ((OutputInstruction) instruction).port();
            if (port.equals(PortNumber.TABLE)) {
                // Through the pipeline, as if the frame had arrived: the bypass turns such frames into keepalive
                // probes of idle bypasses.
                operations.add(packetOut(packet.data(), 0, true));
            } else if (port.equals(PortNumber.FLOOD)) {
                // The pipeline has no multicast group for flooding: one packet-out per port.
                DeviceService deviceService = handler().get(DeviceService.class);
                for (Port devicePort : deviceService.getPorts(packet.sendThrough())) {
                    if (!devicePort.number().isLogical()) {
                        operations.add(packetOut(packet.data(), devicePort.number().toLong(), false));
                    }
                }
            } else {
                operations.add(packetOut(packet.data(), physicalPort(port), false));
            }
        }
        return operations.build();
    }

    private static PiPacketOperation packetOut(ByteBuffer data, long port, boolean throughPipeline)
            throws PiInterpreterException {
        try {
            return PiPacketOperation.builder()
                    .withType(PiPacketOperationType.PACKET_OUT)
                    .withData(copyFrom(data))
                    .withMetadata(PiPacketMetadata.builder()
                            .withId(PKT_OUT_EGRESS_PORT)
                            .withValue(copyFrom(port).fit(PORT_BITS)).build())
                    .withMetadata(PiPacketMetadata.builder()
                            .withId(PKT_OUT_THROUGH_PIPELINE)
                            .withValue(copyFrom(throughPipeline ? 1L : ZERO).fit(1)).build())
                    .withMetadata(PiPacketMetadata.builder()
                            .withId(PKT_PADDING)
                            .withValue(copyFrom(ZERO).fit(PKT_OUT_PADDING_BITS)).build())
                    .build();
        } catch (ImmutableByteSequence.ByteSequenceTrimException e) {
            throw new PiInterpreterException(format("Port %d does not fit in %d bits", port, PORT_BITS));
        }
    }

    @Override
    public InboundPacket mapInboundPacket(PiPacketOperation packetIn, DeviceId deviceId)
            throws PiInterpreterException {
        PiPacketMetadata ingressPort = packetIn.metadatas().stream()
                .filter(m -> m.id().equals(PKT_IN_INGRESS_PORT))
                .findFirst()
                .orElseThrow(() -> new PiInterpreterException(format(
                        "Packet-in from %s lacks metadata '%s'", deviceId, PKT_IN_INGRESS_PORT)));
        byte[] frame = packetIn.data().asArray();
        Ethernet ethernet;
        try {
            ethernet = Ethernet.deserializer().deserialize(frame, 0, frame.length);
        } catch (DeserializationException e) {
            throw new PiInterpreterException(format(
                    "Packet-in from %s is not an Ethernet frame: %s", deviceId, e.getMessage()));
        }
        ConnectPoint receivedFrom = new ConnectPoint(deviceId, PortNumber.portNumber(portValue(ingressPort)));
        return new DefaultInboundPacket(receivedFrom, ethernet, ByteBuffer.wrap(frame));
    }

    // P4Runtime servers may send the shortest byte string for a value: read any length up to the field's.
    private static long portValue(PiPacketMetadata metadata) throws PiInterpreterException {
        byte[] bytes = metadata.value().asArray();
        long value = 0;
        for (byte b : bytes) {
            value = (value << Byte.SIZE) | (b & 0xff);
        }
        if (value >= 1L << PORT_BITS) {
            throw new PiInterpreterException(format(
                    "Packet-in metadata '%s' is not a %d-bit port: %s", metadata.id(), PORT_BITS, metadata.value()));
        }
        return value;
    }
}
