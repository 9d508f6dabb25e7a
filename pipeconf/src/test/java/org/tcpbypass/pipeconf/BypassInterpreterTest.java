package org.tcpbypass.pipeconf;

import com.google.common.collect.ImmutableList;
import org.junit.Before;
import org.junit.Test;
import org.onlab.packet.ARP;
import org.onlab.packet.Ethernet;
import org.onlab.packet.IpAddress;
import org.onlab.packet.MacAddress;
import org.onlab.packet.TpPort;
import org.onlab.packet.VlanId;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.DefaultPort;
import org.onosproject.net.DeviceId;
import org.onosproject.net.Port;
import org.onosproject.net.PortNumber;
import org.onosproject.net.device.DeviceService;
import org.onosproject.net.driver.DriverHandler;
import org.onosproject.net.flow.DefaultTrafficTreatment;
import org.onosproject.net.flow.TrafficTreatment;
import org.onosproject.net.flow.criteria.Criterion;
import org.onosproject.net.packet.DefaultOutboundPacket;
import org.onosproject.net.packet.InboundPacket;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.model.PiPacketOperationType;
import org.onosproject.net.pi.model.PiPipelineInterpreter.PiInterpreterException;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiPacketMetadata;
import org.onosproject.net.pi.runtime.PiPacketOperation;

import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import static org.easymock.EasyMock.createMock;
import static org.easymock.EasyMock.expect;
import static org.easymock.EasyMock.replay;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.fail;
import static org.onlab.util.ImmutableByteSequence.copyFrom;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.*;

public class BypassInterpreterTest {

    private static final DeviceId DEVICE = DeviceId.deviceId("device:bmv2:s1");
    private static final MacAddress MAC_A = MacAddress.valueOf("02:00:00:00:00:0a");
    private static final MacAddress MAC_B = MacAddress.valueOf("02:00:00:00:00:0b");
    private static final IpAddress IP_A = IpAddress.valueOf("198.18.0.1");
    private static final IpAddress IP_B = IpAddress.valueOf("198.19.0.2");

    private BypassInterpreter interpreter;

    @Before
    public void setUp() {
        interpreter = new BypassInterpreter();
    }

    @Test
    public void standardCriteriaMapToPipelineFields() {
        assertCriterion(Criterion.Type.IN_PORT, HDR_IN_PORT);
        assertCriterion(Criterion.Type.ETH_SRC, HDR_ETH_SRC);
        assertCriterion(Criterion.Type.ETH_DST, HDR_ETH_DST);
        assertCriterion(Criterion.Type.ETH_TYPE, HDR_ETH_TYPE);
        assertCriterion(Criterion.Type.IPV4_SRC, HDR_IPV4_SRC);
        assertCriterion(Criterion.Type.IPV4_DST, HDR_IPV4_DST);
        assertCriterion(Criterion.Type.IP_PROTO, HDR_IP_PROTO);
        assertCriterion(Criterion.Type.TCP_SRC, HDR_TCP_SRC);
        assertCriterion(Criterion.Type.TCP_DST, HDR_TCP_DST);
        assertCriterion(Criterion.Type.UDP_SRC, HDR_L4_SRC);
        assertCriterion(Criterion.Type.UDP_DST, HDR_L4_DST);
    }

    @Test
    public void criteriaThePipelineCannotMatchMapToNothing() {
        assertThat(interpreter.mapCriterionType(Criterion.Type.IPV6_SRC), is(Optional.empty()));
        assertThat(interpreter.mapCriterionType(Criterion.Type.VLAN_VID), is(Optional.empty()));
    }

    @Test
    public void flowRuleTableZeroIsTheAcl() {
        assertThat(interpreter.mapFlowRuleTableId(0), is(Optional.of(ACL_TABLE)));
        assertThat(interpreter.mapFlowRuleTableId(1), is(Optional.empty()));
    }

    @Test
    public void controllerPortIsTheCpuPort() {
        assertThat(interpreter.mapLogicalPortNumber(PortNumber.CONTROLLER), is(Optional.of((int) CPU_PORT)));
        assertThat(interpreter.mapLogicalPortNumber(PortNumber.FLOOD), is(Optional.empty()));
    }

    @Test
    public void aclOutputSetsTheEgressPort() throws Exception {
        PiAction action = interpreter.mapTreatment(treatment().setOutput(PortNumber.portNumber(7)).build(), ACL_TABLE);
        assertThat(action.id(), is(ACL_SET_EGRESS_PORT));
        assertThat(action.parameters(), contains(new PiActionParam(PORT, 7L)));
    }

    @Test
    public void aclOutputToControllerPunts() throws Exception {
        PiAction action = interpreter.mapTreatment(treatment().punt().build(), ACL_TABLE);
        assertThat(action, is(PiAction.builder().withId(ACL_PUNT_TO_CPU).build()));
    }

    @Test
    public void aclEmptyTreatmentOrNoActionDrops() throws Exception {
        PiAction drop = PiAction.builder().withId(ACL_DROP).build();
        assertThat(interpreter.mapTreatment(DefaultTrafficTreatment.emptyTreatment(), ACL_TABLE), is(drop));
        assertThat(interpreter.mapTreatment(treatment().drop().build(), ACL_TABLE), is(drop));
    }

    @Test
    public void aclRefusesOtherInstructions() {
        assertRefused(treatment().setEthDst(MAC_A).build(), ACL_TABLE, "ETH_DST");
        assertRefused(treatment().setOutput(PortNumber.portNumber(1)).setOutput(PortNumber.portNumber(2)).build(),
                ACL_TABLE, "one instruction");
        assertRefused(treatment().setOutput(PortNumber.FLOOD).build(), ACL_TABLE, "FLOOD");
        assertRefused(treatment().setOutput(PortNumber.portNumber(512)).build(), ACL_TABLE, "9 bits");
    }

    @Test
    public void bypassHeaderRewriteMapsToRewriteWithoutTranslation() throws Exception {
        PiAction action = interpreter.mapTreatment(fullRewrite().build(), BYPASS_TABLE);
        assertThat(action.id(), is(BYPASS_REWRITE));
        List<PiActionParam> expected = ImmutableList.of(
                new PiActionParam(ETH_SRC, copyFrom(MAC_A.toBytes())),
                new PiActionParam(ETH_DST, copyFrom(MAC_B.toBytes())),
                new PiActionParam(IP_SRC, copyFrom(IP_A.toOctets())),
                new PiActionParam(IP_DST, copyFrom(IP_B.toOctets())),
                new PiActionParam(SRC_PORT, copyFrom((short) 40000)),
                new PiActionParam(DST_PORT, copyFrom((short) 80)),
                new PiActionParam(PORT, 3L),
                new PiActionParam(SEQ_DELTA, 0L),
                new PiActionParam(ACK_DELTA, 0L),
                new PiActionParam(TSVAL_DELTA, 0L),
                new PiActionParam(TSECR_DELTA, 0L),
                new PiActionParam(WIN_SHIFT_IN, 0L),
                new PiActionParam(WIN_SHIFT_OUT, 0L),
                new PiActionParam(HANDOFF_SEQ, 0L),
                new PiActionParam(MAX_WINDOW, 0xFFFF_FFFFL));
        assertThat(action.parameters(), containsInAnyOrder(expected.toArray()));
        assertThat(interpreter.mapTreatment(fullRewrite().build(), BYPASS_GUARD), is(action));
    }

    @Test
    public void bypassRefusesIncompleteOrForeignTreatments() {
        assertRefused(treatment().setEthSrc(MAC_A).setEthDst(MAC_B).setIpSrc(IP_A).setIpDst(IP_B)
                              .setTcpSrc(TpPort.tpPort(1)).setTcpDst(TpPort.tpPort(2)).build(),
                      BYPASS_TABLE, "lacks 'port'");
        assertRefused(treatment().setOutput(PortNumber.portNumber(1)).build(), BYPASS_TABLE, "lacks 'eth_src'");
        assertRefused(fullRewrite().setEthSrc(MAC_B).build(), BYPASS_TABLE, "'eth_src' twice");
        assertRefused(fullRewrite().setUdpSrc(TpPort.tpPort(53)).build(), BYPASS_TABLE, "UDP_SRC");
        assertRefused(fullRewrite().setVlanId(VlanId.vlanId((short) 5)).build(),
                      BYPASS_TABLE, "VLAN_ID");
        assertRefused(treatment().setIpSrc(IpAddress.valueOf("2001:db8::1")).build(), BYPASS_TABLE, "IPv6");
        assertRefused(treatment().setOutput(PortNumber.CONTROLLER).build(), BYPASS_TABLE, "logical port");
        assertRefused(fullRewrite().decNwTtl().build(), BYPASS_TABLE, "DEC_TTL");
        assertRefused(fullRewrite().group(org.onosproject.core.GroupId.valueOf(1)).build(), BYPASS_TABLE, "GROUP");
    }

    @Test
    public void unknownTableIsRefused() {
        assertRefused(treatment().setOutput(PortNumber.portNumber(1)).build(), PiTableId.of("ingress.other"),
                      "ingress.other");
    }

    @Test
    public void packetOutCarriesTheEgressPort() throws Exception {
        ByteBuffer frame = ByteBuffer.wrap(new byte[] {1, 2, 3});
        Collection<PiPacketOperation> operations = interpreter.mapOutboundPacket(new DefaultOutboundPacket(
                DEVICE, treatment().setOutput(PortNumber.portNumber(300)).build(), frame));
        assertThat(operations, contains(packetOut(frame, 300)));
    }

    @Test
    public void packetOutToTheTableGoesThroughThePipeline() throws Exception {
        ByteBuffer frame = ByteBuffer.wrap(new byte[] {4, 5});
        Collection<PiPacketOperation> operations = interpreter.mapOutboundPacket(new DefaultOutboundPacket(
                DEVICE, treatment().setOutput(PortNumber.TABLE).build(), frame));
        assertThat(operations, contains(packetOut(frame, 0, 1)));
    }

    @Test
    public void packetOutFloodGoesToEveryPhysicalPort() throws Exception {
        DeviceService devices = createMock(DeviceService.class);
        expect(devices.getPorts(DEVICE)).andReturn(ImmutableList.of(port(1), port(2), port(PortNumber.LOCAL)));
        DriverHandler handler = createMock(DriverHandler.class);
        expect(handler.get(DeviceService.class)).andReturn(devices);
        replay(devices, handler);
        interpreter.setHandler(handler);

        ByteBuffer frame = ByteBuffer.wrap(new byte[] {9});
        Collection<PiPacketOperation> operations = interpreter.mapOutboundPacket(
                new DefaultOutboundPacket(DEVICE, treatment().setOutput(PortNumber.FLOOD).build(), frame));
        assertThat(operations, contains(packetOut(frame, 1), packetOut(frame, 2)));
    }

    @Test
    public void packetOutRefusesWhatItCannotSend() {
        ByteBuffer frame = ByteBuffer.wrap(new byte[] {1});
        assertOutRefused(new DefaultOutboundPacket(DEVICE, treatment().setEthDst(MAC_A).build(), frame), "ETH_DST");
        assertOutRefused(new DefaultOutboundPacket(DEVICE, treatment().setOutput(PortNumber.IN_PORT).build(), frame),
                         "logical port");
        assertOutRefused(new DefaultOutboundPacket(DEVICE, treatment().setOutput(PortNumber.portNumber(600)).build(),
                                                   frame), "9 bits");
    }

    @Test
    public void packetInNamesItsIngressPort() throws Exception {
        byte[] frame = arpFrame();
        for (ImmutableByteSequence port : ImmutableList.of(copyFrom((byte) 5), copyFrom((short) 5))) {
            InboundPacket inbound = interpreter.mapInboundPacket(packetIn(frame, port), DEVICE);
            assertThat(inbound.receivedFrom().deviceId(), is(DEVICE));
            assertThat(inbound.receivedFrom().port(), is(PortNumber.portNumber(5)));
            assertThat(inbound.parsed().getEtherType(), is(Ethernet.TYPE_ARP));
            assertThat(inbound.unparsed().array(), is(frame));
        }
    }

    @Test
    public void packetInWithoutPortOrFrameIsRefused() {
        PiPacketOperation noPort = PiPacketOperation.builder().withType(PiPacketOperationType.PACKET_IN)
                .withData(copyFrom(arpFrame())).build();
        assertInRefused(noPort, "lacks metadata 'ingress_port'");
        assertInRefused(packetIn(new byte[] {1, 2}, copyFrom((short) 1)), "not an Ethernet frame");
        assertInRefused(packetIn(arpFrame(), copyFrom((short) 1024)), "not a 9-bit port");
    }

    private void assertCriterion(Criterion.Type type, PiMatchFieldId field) {
        assertThat(interpreter.mapCriterionType(type), is(Optional.of(field)));
    }

    private void assertRefused(TrafficTreatment treatment, PiTableId table, String message) {
        try {
            interpreter.mapTreatment(treatment, table);
            fail("mapped " + treatment + " for " + table);
        } catch (PiInterpreterException e) {
            assertThat(e.getMessage(), containsString(message));
        }
    }

    private void assertOutRefused(DefaultOutboundPacket packet, String message) {
        try {
            interpreter.mapOutboundPacket(packet);
            fail("mapped " + packet);
        } catch (PiInterpreterException e) {
            assertThat(e.getMessage(), containsString(message));
        }
    }

    private void assertInRefused(PiPacketOperation packetIn, String message) {
        try {
            interpreter.mapInboundPacket(packetIn, DEVICE);
            fail("mapped " + packetIn);
        } catch (PiInterpreterException e) {
            assertThat(e.getMessage(), containsString(message));
        }
    }

    private static TrafficTreatment.Builder treatment() {
        return DefaultTrafficTreatment.builder();
    }

    private static TrafficTreatment.Builder fullRewrite() {
        return treatment().setEthSrc(MAC_A).setEthDst(MAC_B).setIpSrc(IP_A).setIpDst(IP_B)
                .setTcpSrc(TpPort.tpPort(40000)).setTcpDst(TpPort.tpPort(80)).setOutput(PortNumber.portNumber(3));
    }

    private static Port port(long number) {
        return port(PortNumber.portNumber(number));
    }

    private static Port port(PortNumber number) {
        return new DefaultPort(null, number, true);
    }

    private static PiPacketOperation packetOut(ByteBuffer frame, long port) throws Exception {
        return packetOut(frame, port, 0);
    }

    private static PiPacketOperation packetOut(ByteBuffer frame, long port, long throughPipeline) throws Exception {
        return PiPacketOperation.builder().withType(PiPacketOperationType.PACKET_OUT)
                .withData(copyFrom(frame))
                .withMetadata(PiPacketMetadata.builder().withId(PKT_OUT_EGRESS_PORT)
                                      .withValue(copyFrom(port).fit(PORT_BITS)).build())
                .withMetadata(PiPacketMetadata.builder().withId(PKT_OUT_THROUGH_PIPELINE)
                                      .withValue(copyFrom(throughPipeline).fit(1)).build())
                .withMetadata(PiPacketMetadata.builder().withId(PKT_PADDING)
                                      .withValue(copyFrom(0L).fit(PKT_OUT_PADDING_BITS)).build())
                .build();
    }

    private static PiPacketOperation packetIn(byte[] frame, ImmutableByteSequence port) {
        return PiPacketOperation.builder().withType(PiPacketOperationType.PACKET_IN)
                .withData(copyFrom(frame))
                .withMetadata(PiPacketMetadata.builder().withId(PKT_IN_INGRESS_PORT).withValue(port).build())
                .build();
    }

    private static byte[] arpFrame() {
        ARP arp = new ARP();
        arp.setHardwareType(ARP.HW_TYPE_ETHERNET).setProtocolType(ARP.PROTO_TYPE_IP)
                .setHardwareAddressLength((byte) 6).setProtocolAddressLength((byte) 4)
                .setOpCode(ARP.OP_REQUEST)
                .setSenderHardwareAddress(MAC_A.toBytes()).setSenderProtocolAddress(IP_A.toOctets())
                .setTargetHardwareAddress(MacAddress.ZERO.toBytes()).setTargetProtocolAddress(IP_B.toOctets());
        Ethernet eth = new Ethernet();
        eth.setSourceMACAddress(MAC_A).setDestinationMACAddress(MacAddress.BROADCAST)
                .setEtherType(Ethernet.TYPE_ARP).setPayload(arp);
        return eth.serialize();
    }
}
