package org.tcpbypass.impl;

import org.onlab.packet.MacAddress;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.criteria.Criterion;
import org.onosproject.net.flow.criteria.IPCriterion;
import org.onosproject.net.flow.criteria.TcpPortCriterion;
import org.onosproject.net.flow.instructions.PiInstruction;
import org.onosproject.net.intent.MockIdGenerator;
import org.onosproject.net.pi.model.PiActionModel;
import org.onosproject.net.pi.model.PiActionParamId;
import org.onosproject.net.pi.model.PiActionParamModel;
import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.p4runtime.model.P4InfoParser;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.pipeconf.BypassPipelineConstants;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.tcpbypass.impl.TestData.APP_ID;

/**
 * The entries the app installs for bypass records, as simple_switch_CLI commands: each record compiled by
 * {@link BypassIntentCompiler}, action parameters in the P4Info's order. Per record the counted table's entries come
 * first, to the server before to the client, then the guard table's, so the counted table's entry handles follow the
 * records' order (0 and 1 for the first record).
 */
final class Bmv2Entries {

    private static final String P4INFO = "/p4c-out/bmv2/tcp_bypass_p4info.txt";

    private Bmv2Entries() {
    }

    static String cli(List<Bypass> records, Attachment client, Attachment server, MacAddress proxyMac)
            throws Exception {
        PiPipelineModel model = P4InfoParser.parse(BypassPipelineConstants.class.getResource(P4INFO));
        StringBuilder cli = new StringBuilder();
        MockIdGenerator.cleanBind();
        try {
            for (Bypass record : records) {
                List<FlowRule> rules = new ArrayList<>(BypassIntentCompiler.compile(APP_ID, record, client, server,
                                                                                     proxyMac).flowRules());
                rules.sort(Comparator.comparing((FlowRule r) -> !BypassPipelineConstants.BYPASS_TABLE.equals(r.table()))
                                   .thenComparing(r -> BypassIntentCompiler.direction(r.id().value())
                                           != BypassDirection.TO_SERVER));
                for (FlowRule rule : rules) {
                    cli.append(command(model, rule)).append('\n');
                }
            }
        } finally {
            MockIdGenerator.unbind();
        }
        return cli.toString();
    }

    private static String command(PiPipelineModel model, FlowRule rule) {
        PiAction action = (PiAction) ((PiInstruction) rule.treatment().allInstructions().get(0)).action();
        PiActionModel actionModel = model.table((PiTableId) rule.table()).orElseThrow().action(action.id())
                .orElseThrow();
        Map<PiActionParamId, PiActionParam> params = action.parameters().stream()
                .collect(Collectors.toMap(PiActionParam::id, p -> p));
        StringBuilder cli = new StringBuilder("table_add ").append(rule.table()).append(' ').append(action.id())
                .append(' ').append(((IPCriterion) rule.selector().getCriterion(Criterion.Type.IPV4_SRC)).ip()
                                            .address())
                .append(' ').append(((IPCriterion) rule.selector().getCriterion(Criterion.Type.IPV4_DST)).ip()
                                            .address())
                .append(' ').append(((TcpPortCriterion) rule.selector().getCriterion(Criterion.Type.TCP_SRC))
                                            .tcpPort().toInt())
                .append(' ').append(((TcpPortCriterion) rule.selector().getCriterion(Criterion.Type.TCP_DST))
                                            .tcpPort().toInt())
                .append(" =>");
        for (PiActionParamModel param : actionModel.params()) {
            cli.append(" 0x");
            for (byte b : params.get(param.id()).value().asArray()) {
                cli.append(String.format("%02x", b & 0xff));
            }
        }
        return cli.toString();
    }
}
