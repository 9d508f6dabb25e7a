package org.tcpbypass.lab.p4runtime;

import org.onlab.packet.Ip4Prefix;
import org.onlab.packet.MacAddress;
import org.onlab.packet.TpPort;
import org.onosproject.core.DefaultApplicationId;
import org.onosproject.net.DeviceId;
import org.onosproject.net.PortNumber;
import org.onosproject.net.flow.DefaultFlowRule;
import org.onosproject.net.flow.DefaultTrafficSelector;
import org.onosproject.net.flow.DefaultTrafficTreatment;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.pi.model.PiPipeconf;
import org.onosproject.net.pi.model.PiPipelineInterpreter;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.service.PiTranslationException;
import org.tcpbypass.lab.ds.ComponentRuntime;
import org.tcpbypass.lab.onos.FlowRuleTranslator;
import org.tcpbypass.lab.onos.LabDriverHandler;
import org.tcpbypass.pipeconf.BypassPipelineConstants;
import org.tcpbypass.pipeconf.PipeconfLoader;

import static org.tcpbypass.pipeconf.BypassPipelineConstants.ACL_TABLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_REWRITE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;

/**
 * PI entries as the lab writes them: flow rules of the shapes the app and the pipeliner produce, translated by the
 * lab's flow-rule translator through the pipeconf's real interpreter against the committed pipeline.
 */
final class LabEntries {

    static final DeviceId DEVICE = DeviceId.deviceId("device:bmv2:s1");
    static final String P4INFO = "/p4c-out/bmv2/tcp_bypass_p4info.txt";
    static final String BMV2_JSON = "/p4c-out/bmv2/tcp_bypass.json";

    private final PiPipelineInterpreter interpreter;
    private final FlowRuleTranslator translator;

    LabEntries() {
        PiPipeconf pipeconf = PipeconfLoader.buildPipeconf();
        interpreter = new LabDriverHandler(pipeconf, DEVICE, new ComponentRuntime())
                .behaviour(PiPipelineInterpreter.class);
        translator = new FlowRuleTranslator(pipeconf.pipelineModel(), interpreter);
    }

    static boolean available() {
        return LabEntries.class.getResource(P4INFO) != null && LabEntries.class.getResource(BMV2_JSON) != null;
    }

    P4InfoIndex p4Info() {
        return P4InfoIndex.parse(LabEntries.class.getResourceAsStream(P4INFO));
    }

    PiPipelineInterpreter interpreter() {
        return interpreter;
    }

    private static FlowRule.Builder rule() {
        return DefaultFlowRule.builder().forDevice(DEVICE).fromApp(new DefaultApplicationId(7, "lab"))
                .makePermanent();
    }

    /**
     * One direction of a bypass in the shape BypassIntentCompiler gives it: the 4-tuple, the rewrite with 15 params.
     *
     * @param clientPort the client's TCP port, which tells entries apart
     * @return the PI entry
     */
    PiTableEntry bypass(int clientPort) throws PiTranslationException {
        PiAction rewrite = PiAction.builder().withId(BYPASS_REWRITE)
                .withParameter(new PiActionParam(BypassPipelineConstants.PORT, 3L))
                .withParameter(new PiActionParam(BypassPipelineConstants.ETH_SRC,
                                                 MacAddress.valueOf("02:00:00:00:00:02").toBytes()))
                .withParameter(new PiActionParam(BypassPipelineConstants.ETH_DST,
                                                 MacAddress.valueOf("02:00:00:00:00:03").toBytes()))
                .withParameter(new PiActionParam(BypassPipelineConstants.IP_SRC, 0xC6120002L))
                .withParameter(new PiActionParam(BypassPipelineConstants.IP_DST, 0xC6120003L))
                .withParameter(new PiActionParam(BypassPipelineConstants.SRC_PORT, (long) clientPort))
                .withParameter(new PiActionParam(BypassPipelineConstants.DST_PORT, 8080L))
                .withParameter(new PiActionParam(BypassPipelineConstants.SEQ_DELTA, 0xFFFFFFF0L))
                .withParameter(new PiActionParam(BypassPipelineConstants.ACK_DELTA, 5L))
                .withParameter(new PiActionParam(BypassPipelineConstants.TSVAL_DELTA, 6L))
                .withParameter(new PiActionParam(BypassPipelineConstants.TSECR_DELTA, 7L))
                .withParameter(new PiActionParam(BypassPipelineConstants.WIN_SHIFT_IN, 7L))
                .withParameter(new PiActionParam(BypassPipelineConstants.WIN_SHIFT_OUT, 0L))
                .withParameter(new PiActionParam(BypassPipelineConstants.HANDOFF_SEQ, 8L))
                .withParameter(new PiActionParam(BypassPipelineConstants.MAX_WINDOW, 65535L << 7))
                .build();
        return translator.translate(rule().forTable(BYPASS_TABLE).withPriority(0)
                .withSelector(DefaultTrafficSelector.builder()
                                      .matchIPSrc(Ip4Prefix.valueOf("198.18.0.1/32"))
                                      .matchIPDst(Ip4Prefix.valueOf("198.18.0.2/32"))
                                      .matchTcpSrc(TpPort.tpPort(clientPort)).matchTcpDst(TpPort.tpPort(80)).build())
                .withTreatment(DefaultTrafficTreatment.builder().piTableAction(rewrite).build())
                .build());
    }

    /** Forwarding to port 3 by destination MAC, as the pipeliner writes it: a ternary ACL entry. */
    PiTableEntry acl() throws PiTranslationException {
        return translator.translate(rule().forTable(ACL_TABLE).withPriority(10)
                .withSelector(DefaultTrafficSelector.builder().matchEthDst(MacAddress.valueOf("02:00:00:00:00:03"))
                                      .build())
                .withTreatment(DefaultTrafficTreatment.builder().setOutput(PortNumber.portNumber(3)).build())
                .build());
    }

}
