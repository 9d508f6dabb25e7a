package org.tcpbypass.lab.onos;

import org.junit.Before;
import org.junit.Test;
import org.onlab.packet.Ip4Prefix;
import org.onlab.packet.MacAddress;
import org.onlab.packet.TpPort;
import org.tcpbypass.lab.ds.ComponentRuntime;
import org.onosproject.core.DefaultApplicationId;
import org.onosproject.net.DeviceId;
import org.onosproject.net.PortNumber;
import org.onosproject.net.flow.DefaultFlowRule;
import org.onosproject.net.flow.DefaultTrafficSelector;
import org.onosproject.net.flow.DefaultTrafficTreatment;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.pi.model.PiMatchType;
import org.onosproject.net.pi.model.PiPipeconf;
import org.onosproject.net.pi.model.PiPipelineInterpreter;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.runtime.PiTernaryFieldMatch;
import org.onosproject.net.pi.service.PiTranslationException;
import org.tcpbypass.pipeconf.PipeconfLoader;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ACL_SET_EGRESS_PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ACL_TABLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_REWRITE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_ETH_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_IPV4_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_TCP_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PORT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.SEQ_DELTA;

/**
 * Flow rules become PI entries of the committed pipeline through the pipeconf's real interpreter.
 */
public class FlowRuleTranslatorTest {

    private static final DeviceId DEVICE = DeviceId.deviceId("device:bmv2:s1");

    private FlowRuleTranslator translator;

    @Before
    public void setUp() {
        assumeTrue("skipped: the pipeconf bundle carries no compiled pipeline yet",
                   getClass().getResource("/p4c-out/bmv2/tcp_bypass_p4info.txt") != null);
        PiPipeconf pipeconf = PipeconfLoader.buildPipeconf();
        PiPipelineInterpreter interpreter = new LabDriverHandler(pipeconf, DEVICE, new ComponentRuntime())
                .behaviour(PiPipelineInterpreter.class);
        translator = new FlowRuleTranslator(pipeconf.pipelineModel(), interpreter);
    }

    private static FlowRule.Builder rule() {
        return DefaultFlowRule.builder().forDevice(DEVICE).fromApp(new DefaultApplicationId(7, "lab"))
                .makePermanent();
    }

    @Test
    public void forwardingByMacBecomesATernaryAclEntryWithPriority() throws Exception {
        PiTableEntry e = translator.translate(rule().forTable(ACL_TABLE).withPriority(10)
                .withSelector(DefaultTrafficSelector.builder().matchEthDst(MacAddress.valueOf("02:00:00:00:00:03"))
                                      .build())
                .withTreatment(DefaultTrafficTreatment.builder().setOutput(PortNumber.portNumber(3)).build())
                .build());
        assertEquals(ACL_TABLE, e.table());
        PiFieldMatch m = e.matchKey().fieldMatch(HDR_ETH_DST).orElseThrow();
        assertThat(m.type(), is(PiMatchType.TERNARY));
        assertThat(((PiTernaryFieldMatch) m).mask().asArray().length, is(6));
        assertThat(e.priority().orElseThrow(), is(11));
        PiAction a = (PiAction) e.action();
        assertEquals(ACL_SET_EGRESS_PORT, a.id());
        assertThat(a.parameters().iterator().next(), is(new PiActionParam(PORT, (short) 3)));
    }

    @Test
    public void bypassRuleBecomesAnExactEntryWithTheRewriteActionSized() throws Exception {
        PiAction.Builder rewrite = PiAction.builder().withId(BYPASS_REWRITE)
                .withParameter(new PiActionParam(PORT, 3L))
                .withParameter(new PiActionParam(org.tcpbypass.pipeconf.BypassPipelineConstants.ETH_SRC,
                                                 MacAddress.valueOf("02:00:00:00:00:02").toBytes()))
                .withParameter(new PiActionParam(org.tcpbypass.pipeconf.BypassPipelineConstants.ETH_DST,
                                                 MacAddress.valueOf("02:00:00:00:00:03").toBytes()))
                .withParameter(new PiActionParam(org.tcpbypass.pipeconf.BypassPipelineConstants.IP_SRC, 0xC6120002L))
                .withParameter(new PiActionParam(org.tcpbypass.pipeconf.BypassPipelineConstants.IP_DST, 0xC6120003L))
                .withParameter(new PiActionParam(org.tcpbypass.pipeconf.BypassPipelineConstants.SRC_PORT, 40000L))
                .withParameter(new PiActionParam(org.tcpbypass.pipeconf.BypassPipelineConstants.DST_PORT, 8080L))
                .withParameter(new PiActionParam(SEQ_DELTA, 0xFFFFFFF0L))
                .withParameter(new PiActionParam(org.tcpbypass.pipeconf.BypassPipelineConstants.ACK_DELTA, 5L))
                .withParameter(new PiActionParam(org.tcpbypass.pipeconf.BypassPipelineConstants.TSVAL_DELTA, 6L))
                .withParameter(new PiActionParam(org.tcpbypass.pipeconf.BypassPipelineConstants.TSECR_DELTA, 7L))
                .withParameter(new PiActionParam(org.tcpbypass.pipeconf.BypassPipelineConstants.WIN_SHIFT_IN, 7L))
                .withParameter(new PiActionParam(org.tcpbypass.pipeconf.BypassPipelineConstants.WIN_SHIFT_OUT, 7L))
                .withParameter(new PiActionParam(org.tcpbypass.pipeconf.BypassPipelineConstants.HANDOFF_SEQ, 8L))
                .withParameter(new PiActionParam(org.tcpbypass.pipeconf.BypassPipelineConstants.MAX_WINDOW,
                                                 65535L << 7));
        PiTableEntry e = translator.translate(rule().forTable(BYPASS_TABLE).withPriority(0)
                .withSelector(DefaultTrafficSelector.builder()
                                      .matchIPSrc(Ip4Prefix.valueOf("198.18.0.1/32"))
                                      .matchIPDst(Ip4Prefix.valueOf("198.18.0.2/32"))
                                      .matchTcpSrc(TpPort.tpPort(40000)).matchTcpDst(TpPort.tpPort(80)).build())
                .withTreatment(DefaultTrafficTreatment.builder().piTableAction(rewrite.build()).build())
                .build());
        assertEquals(BYPASS_TABLE, e.table());
        assertThat(e.matchKey().fieldMatch(HDR_IPV4_SRC).orElseThrow().type(), is(PiMatchType.EXACT));
        assertThat(e.matchKey().fieldMatch(HDR_TCP_DST).orElseThrow().type(), is(PiMatchType.EXACT));
        assertThat("exact tables take no priority", e.priority().isPresent(), is(false));
        PiAction a = (PiAction) e.action();
        assertThat(a.parameters().size(), is(15));
        PiActionParam seq = a.parameters().stream().filter(p -> p.id().equals(SEQ_DELTA)).findFirst().orElseThrow();
        assertThat(seq.value().asArray().length, is(4));
    }

    @Test
    public void aCriterionTheTableDoesNotMatchOnIsRefusedAsOnosDoes() {
        try {
            translator.translate(rule().forTable(BYPASS_TABLE).withPriority(0)
                    .withSelector(DefaultTrafficSelector.builder().matchEthType((short) 0x0800).build())
                    .withTreatment(DefaultTrafficTreatment.builder().setOutput(PortNumber.portNumber(1)).build())
                    .build());
            fail("criterion without a match field accepted");
        } catch (PiTranslationException e) {
            assertThat(e.getMessage(), containsString("hdr.ethernet.ether_type"));
        }
    }

    @Test
    public void anExactFieldWithoutValueIsRefused() {
        try {
            translator.translate(rule().forTable(BYPASS_TABLE).withPriority(0)
                    .withSelector(DefaultTrafficSelector.builder().matchIPSrc(Ip4Prefix.valueOf("198.18.0.1/32"))
                                          .build())
                    .withTreatment(DefaultTrafficTreatment.builder().setOutput(PortNumber.portNumber(1)).build())
                    .build());
            fail("entry without its exact fields accepted");
        } catch (PiTranslationException e) {
            assertThat(e.getMessage(), containsString("no value for exact match field"));
        }
    }

    @Test
    public void aMaskedIpOnAnExactFieldIsRefusedWithItsName() {
        try {
            translator.translate(rule().forTable(BYPASS_TABLE).withPriority(0)
                    .withSelector(DefaultTrafficSelector.builder().matchIPSrc(Ip4Prefix.valueOf("198.18.0.0/24"))
                                          .build())
                    .withTreatment(DefaultTrafficTreatment.builder().setOutput(PortNumber.portNumber(1)).build())
                    .build());
            fail("masked match on an exact field accepted");
        } catch (PiTranslationException e) {
            assertThat(e.getMessage(), containsString("hdr.ipv4.src_addr"));
        }
    }
}
