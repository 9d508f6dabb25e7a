package org.tcpbypass.impl;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.onlab.packet.IpPrefix;
import org.onlab.packet.TpPort;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.flow.DefaultTrafficSelector;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.TrafficSelector;
import org.onosproject.net.flow.instructions.Instruction;
import org.onosproject.net.flow.instructions.PiInstruction;
import org.onosproject.core.ApplicationId;
import org.onosproject.core.DefaultApplicationId;
import org.onosproject.net.intent.FlowRuleIntent;
import org.onosproject.net.intent.Intent;
import org.onosproject.net.intent.Key;
import org.onosproject.net.intent.PathIntent;
import org.onosproject.net.intent.MockIdGenerator;
import org.onosproject.net.pi.model.PiActionParamId;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.LegState;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.tcpbypass.api.BypassDirection.TO_CLIENT;
import static org.tcpbypass.api.BypassDirection.TO_SERVER;
import static org.tcpbypass.impl.TestData.APP_ID;
import static org.tcpbypass.impl.TestData.CLIENT;
import static org.tcpbypass.impl.TestData.CLIENT_AT;
import static org.tcpbypass.impl.TestData.CLIENT_LEG;
import static org.tcpbypass.impl.TestData.DEVICE;
import static org.tcpbypass.impl.TestData.PROXY;
import static org.tcpbypass.impl.TestData.PROXY_MAC;
import static org.tcpbypass.impl.TestData.SERVER;
import static org.tcpbypass.impl.TestData.SERVER_AT;
import static org.tcpbypass.impl.TestData.SERVER_LEG;
import static org.tcpbypass.impl.TestData.TUPLE;
import static org.tcpbypass.impl.TestData.VIP;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ACK_DELTA;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_GUARD;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_REWRITE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.DST_PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ETH_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ETH_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HANDOFF_SEQ;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.IP_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.IP_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.MAX_WINDOW;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.SEQ_DELTA;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.SRC_PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.TSECR_DELTA;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.TSVAL_DELTA;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.WIN_SHIFT_IN;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.WIN_SHIFT_OUT;

/**
 * The bypass intent: a flow rule intent keyed by the record, with exact selectors, one PI instruction, every
 * parameter, both directions.
 */
public class BypassIntentCompilerTest {

    private static final long U32 = 0xFFFF_FFFFL;

    @Before
    public void setUp() {
        MockIdGenerator.cleanBind();
    }

    @After
    public void tearDown() {
        MockIdGenerator.unbind();
    }

    static FlowRuleIntent intent(LegState clientLeg, LegState serverLeg) {
        Bypass record = Bypass.offloading(BypassId.of(7), "proxy1", DEVICE, TUPLE,
                                          BypassTranslation.of(clientLeg, serverLeg), 1000);
        return BypassIntentCompiler.compile(APP_ID, record, CLIENT_AT, SERVER_AT, PROXY_MAC);
    }

    private static List<FlowRule> compile(FlowRuleIntent intent) {
        assertEquals(Key.of("7", APP_ID), intent.key());
        assertEquals(APP_ID, intent.appId());
        assertTrue("installable as it is: ONOS compiles nothing", intent.isInstallable());
        return List.copyOf(intent.flowRules());
    }

    static PiAction action(FlowRule rule) {
        List<Instruction> instructions = rule.treatment().allInstructions();
        assertEquals("a single PI instruction, so ONOS needs no interpreter", 1, instructions.size());
        return (PiAction) ((PiInstruction) instructions.get(0)).action();
    }

    private static Map<PiActionParamId, ImmutableByteSequence> params(PiAction action) {
        return action.parameters().stream().collect(Collectors.toMap(PiActionParam::id, PiActionParam::value));
    }

    private static ImmutableByteSequence bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return ImmutableByteSequence.copyFrom(out);
    }

    private static long u32(ImmutableByteSequence value) {
        assertEquals("32-bit parameters are 4 bytes", 4, value.size());
        return value.asReadOnlyBuffer().getInt() & U32;
    }

    private static TrafficSelector match(String srcIp, int srcPort, String dstIp, int dstPort) {
        return DefaultTrafficSelector.builder()
                .matchIPSrc(IpPrefix.valueOf(srcIp + "/32")).matchIPDst(IpPrefix.valueOf(dstIp + "/32"))
                .matchTcpSrc(TpPort.tpPort(srcPort)).matchTcpDst(TpPort.tpPort(dstPort)).build();
    }

    @Test
    public void permanentRulesInTheBypassTableAndTheSameInTheGuardTable() {
        List<FlowRule> rules = compile(intent(CLIENT_LEG, SERVER_LEG));
        assertEquals(4, rules.size());
        for (int i = 0; i < rules.size(); i++) {
            FlowRule rule = rules.get(i);
            assertEquals(DEVICE, rule.deviceId());
            assertEquals(i < 2 ? BYPASS_TABLE : BYPASS_GUARD, rule.table());
            assertEquals(APP_ID.id(), rule.appId());
            assertTrue(rule.isPermanent());
            assertEquals(0, rule.hardTimeout());
            assertEquals(Intent.DEFAULT_INTENT_PRIORITY, rule.priority());
            assertEquals(BYPASS_REWRITE, action(rule).id());
            assertEquals(15, action(rule).parameters().size());
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(rules.get(i).selector(), rules.get(i + 2).selector());
            assertEquals(rules.get(i).treatment(), rules.get(i + 2).treatment());
        }
    }

    @Test
    public void toServerMatchesClientToVipAndRewritesToProxyToServer() {
        FlowRule rule = compile(intent(CLIENT_LEG, SERVER_LEG)).get(0);
        assertEquals(match("198.18.0.1", 40000, "198.18.0.100", 80), rule.selector());
        Map<PiActionParamId, ImmutableByteSequence> p = params(action(rule));
        assertEquals(bytes(0x00, 0x03), p.get(PORT));
        assertEquals(bytes(0, 0, 0, 0, 0, 0x02), p.get(ETH_SRC));
        assertEquals(bytes(0, 0, 0, 0, 0, 0x03), p.get(ETH_DST));
        assertEquals(bytes(198, 18, 0, 2), p.get(IP_SRC));
        assertEquals(bytes(198, 18, 0, 3), p.get(IP_DST));
        assertEquals(bytes(51000 >> 8, 51000 & 0xFF), p.get(SRC_PORT));
        assertEquals(bytes(8080 >> 8, 8080 & 0xFF), p.get(DST_PORT));
        // D_cs = 3000 - 2000; D_sc = 1000 - 4000 mod 2^32; T_cs = 700 - 900 mod 2^32; T_sc = 500 - 100
        assertEquals(1000L, u32(p.get(SEQ_DELTA)));
        assertEquals((1000L - 4000L) & U32, u32(p.get(ACK_DELTA)));
        assertEquals((700L - 900L) & U32, u32(p.get(TSVAL_DELTA)));
        assertEquals(400L, u32(p.get(TSECR_DELTA)));
        assertEquals(bytes(6), p.get(WIN_SHIFT_IN));
        assertEquals(bytes(8), p.get(WIN_SHIFT_OUT));
        // A FIN or RST from the client is plausible from its SEQ at the hand-off (the client leg's rcv_nxt) up to the
        // largest window the server can announce (65535 << its shift 9), until the server ACKs through the switch.
        assertEquals(2000L, u32(p.get(HANDOFF_SEQ)));
        assertEquals(65535L << 9, u32(p.get(MAX_WINDOW)));
    }

    @Test
    public void toClientMatchesServerToProxyAndRewritesToVipToClient() {
        FlowRule rule = compile(intent(CLIENT_LEG, SERVER_LEG)).get(1);
        assertEquals(match("198.18.0.3", 8080, "198.18.0.2", 51000), rule.selector());
        Map<PiActionParamId, ImmutableByteSequence> p = params(action(rule));
        assertEquals(bytes(0x00, 0x01), p.get(PORT));
        assertEquals(bytes(0, 0, 0, 0, 0, 0x02), p.get(ETH_SRC));
        assertEquals(bytes(0, 0, 0, 0, 0, 0x01), p.get(ETH_DST));
        assertEquals(bytes(198, 18, 0, 100), p.get(IP_SRC));
        assertEquals(bytes(198, 18, 0, 1), p.get(IP_DST));
        assertEquals(bytes(0, 80), p.get(SRC_PORT));
        assertEquals(bytes(40000 >> 8, 40000 & 0xFF), p.get(DST_PORT));
        assertEquals((1000L - 4000L) & U32, u32(p.get(SEQ_DELTA)));
        assertEquals(1000L, u32(p.get(ACK_DELTA)));
        assertEquals(400L, u32(p.get(TSVAL_DELTA)));
        assertEquals((700L - 900L) & U32, u32(p.get(TSECR_DELTA)));
        assertEquals(bytes(9), p.get(WIN_SHIFT_IN));
        assertEquals(bytes(7), p.get(WIN_SHIFT_OUT));
        assertEquals(4000L, u32(p.get(HANDOFF_SEQ)));
        assertEquals(65535L << 6, u32(p.get(MAX_WINDOW)));
    }

    @Test
    public void deltaOfAllOnesIsFourBytesOfFf() {
        LegState client = LegState.builder().sndNxt(0).rcvNxt(1).mss(1460).build();
        LegState server = LegState.builder().sndNxt(0).rcvNxt(1).mss(1460).build();
        Map<PiActionParamId, ImmutableByteSequence> p = params(action(compile(intent(client, server)).get(0)));
        assertEquals(bytes(0xFF, 0xFF, 0xFF, 0xFF), p.get(SEQ_DELTA));
        assertEquals(bytes(0xFF, 0xFF, 0xFF, 0xFF), p.get(ACK_DELTA));
        assertEquals("no timestamps: no offsets", bytes(0, 0, 0, 0), p.get(TSVAL_DELTA));
        assertEquals(bytes(0, 0, 0, 0), p.get(TSECR_DELTA));
    }

    /**
     * Applies the switch's arithmetic with the compiled parameters to positions around 2^32 and checks invariants 1
     * and 2 of the design: a byte keeps its position, ACK/SACK and TSecr use the opposite direction's delta.
     */
    @Test
    public void positionsPreservedAcrossTheWrap() {
        LegState client = LegState.builder().sndNxt(0xFFFF_FFF0L).rcvNxt(0xFFFF_FF00L).mss(1460)
                .sackPermitted(true).timestamps(true).tsVal(0xFFFF_FFFEL).peerTsVal(5).build();
        LegState server = LegState.builder().sndNxt(0x100).rcvNxt(0x10).mss(1460)
                .sackPermitted(true).timestamps(true).tsVal(3).peerTsVal(0xFFFF_FFF0L).build();
        List<FlowRule> rules = compile(intent(client, server));
        Map<PiActionParamId, ImmutableByteSequence> toServer = params(action(rules.get(0)));
        Map<PiActionParamId, ImmutableByteSequence> toClient = params(action(rules.get(1)));
        for (long k = 0; k < 0x400; k += 0x7F) {
            // client byte rcv_nxt(client leg) + k reaches the server as snd_nxt(server leg) + k
            long seqIn = (client.rcvNxt() + k) & U32;
            assertEquals((server.sndNxt() + k) & U32, (seqIn + u32(toServer.get(SEQ_DELTA))) & U32);
            // server byte rcv_nxt(server leg) + k reaches the client as snd_nxt(client leg) + k
            long srvSeq = (server.rcvNxt() + k) & U32;
            assertEquals((client.sndNxt() + k) & U32, (srvSeq + u32(toClient.get(SEQ_DELTA))) & U32);
            // the client acknowledges (or SACKs) server byte snd_nxt(client) + k: the server must see rcv_nxt(server) + k
            long ackIn = (client.sndNxt() + k) & U32;
            assertEquals((server.rcvNxt() + k) & U32, (ackIn - u32(toServer.get(ACK_DELTA))) & U32);
            long srvAck = (server.sndNxt() + k) & U32;
            assertEquals((client.rcvNxt() + k) & U32, (srvAck - u32(toClient.get(ACK_DELTA))) & U32);
        }
        // TSval the server sees continues the proxy's clock on the server leg; TSecr echoes what the client sent.
        assertEquals(server.tsVal(), (client.peerTsVal() + u32(toServer.get(TSVAL_DELTA))) & U32);
        assertEquals(server.peerTsVal(), (client.tsVal() - u32(toServer.get(TSECR_DELTA))) & U32);
        assertEquals(client.tsVal(), (server.peerTsVal() + u32(toClient.get(TSVAL_DELTA))) & U32);
        assertEquals(client.peerTsVal(), (server.tsVal() - u32(toClient.get(TSECR_DELTA))) & U32);
    }

    @Test
    public void cookiesCarryAppRecordAndDirection() {
        List<FlowRule> rules = compile(intent(CLIENT_LEG, SERVER_LEG));
        long toServer = rules.get(0).id().value();
        long toClient = rules.get(1).id().value();
        assertEquals((long) APP_ID.id() << 48 | 7 << 2, toServer);
        assertEquals(toServer | 1, toClient);
        assertEquals("guard entries", List.of(toServer | 2, toClient | 2),
                     List.of(rules.get(2).id().value(), rules.get(3).id().value()));
        for (FlowRule rule : rules) {
            assertEquals(BypassId.of(7), BypassIntentCompiler.bypassId(rule.id().value()));
        }
        assertEquals(TO_SERVER, BypassIntentCompiler.direction(toServer));
        assertEquals(TO_CLIENT, BypassIntentCompiler.direction(toClient));
        assertEquals(TO_CLIENT, BypassIntentCompiler.direction(rules.get(3).id().value()));
        long big = (1L << 46) - 1;
        long cookie = BypassIntentCompiler.cookie(APP_ID.id(), BypassId.of(big), BYPASS_GUARD, TO_CLIENT);
        assertEquals(BypassId.of(big), BypassIntentCompiler.bypassId(cookie));
        assertEquals(APP_ID.id(), (short) (cookie >>> 48));
    }

    @Test
    public void selectorsUseOnlyTheBypassTableFields() {
        for (BypassDirection d : BypassDirection.values()) {
            TrafficSelector s = BypassIntentCompiler.selector(TUPLE, d);
            assertEquals("IPV4_SRC, IPV4_DST, TCP_SRC, TCP_DST only", 4, s.criteria().size());
        }
        assertEquals(CLIENT, BypassIntentCompiler.ingressSource(TUPLE, TO_SERVER));
        assertEquals(VIP, BypassIntentCompiler.ingressDestination(TUPLE, TO_SERVER));
        assertEquals(SERVER, BypassIntentCompiler.ingressSource(TUPLE, TO_CLIENT));
        assertEquals(PROXY, BypassIntentCompiler.ingressDestination(TUPLE, TO_CLIENT));
    }

    @Test
    public void intentsMapBackToTheirRecordByKey() {
        FlowRuleIntent intent = intent(CLIENT_LEG, SERVER_LEG);
        assertEquals(Optional.of(BypassId.of(7)), BypassIntentCompiler.bypassId(APP_ID, intent));
        ApplicationId other = new DefaultApplicationId(APP_ID.id() + 1, "org.other");
        assertEquals("another app's intent", Optional.empty(), BypassIntentCompiler.bypassId(other, intent));
        FlowRuleIntent foreignKey = new FlowRuleIntent(APP_ID, Key.of("not-a-bypass", APP_ID), intent.flowRules(),
                                                       List.of(), PathIntent.ProtectionType.PRIMARY, null);
        assertEquals(Optional.empty(), BypassIntentCompiler.bypassId(APP_ID, foreignKey));
    }

    @Test
    public void recordWithoutTranslationIsRefused() {
        Bypass proxied = Bypass.proxied(BypassId.of(8), "proxy1", DEVICE, TUPLE, 1000);
        try {
            BypassIntentCompiler.compile(APP_ID, proxied, CLIENT_AT, SERVER_AT, PROXY_MAC);
            fail("compiled a record without translation");
        } catch (IllegalArgumentException e) {
            assertEquals("bypass 8 has no translation", e.getMessage());
        }
    }
}
