package org.tcpbypass.impl;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.criteria.Criterion;
import org.onosproject.net.intent.FlowRuleIntent;
import org.onosproject.net.intent.Key;
import org.onosproject.net.intent.MockIdGenerator;
import org.onosproject.net.PortNumber;
import org.onosproject.net.pi.model.PiActionModel;
import org.onosproject.net.pi.model.PiActionParamModel;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.model.PiMatchFieldModel;
import org.onosproject.net.pi.model.PiMatchType;
import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.net.pi.model.PiTableModel;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.p4runtime.model.P4InfoParser;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.LegState;
import org.tcpbypass.pipeconf.BypassInterpreter;

import java.io.IOException;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;
import static org.tcpbypass.impl.TestData.APP_ID;
import static org.tcpbypass.impl.TestData.DEVICE;
import static org.tcpbypass.impl.TestData.PROXY_MAC;
import static org.tcpbypass.impl.TestData.TUPLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_COUNTER;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_REWRITE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_IPV4_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_IPV4_SRC;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_TCP_DST;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_TCP_SRC;

/**
 * The compiled bypass entries against the committed P4Info, parsed by ONOS 2.7's own parser: the table, its exact
 * match fields (the criteria the compiler uses, mapped by the pipeconf's real interpreter), its direct counter,
 * the action, and every parameter's name and width. Values at their maxima must fit as ONOS's PI translator fits them.
 */
public class P4InfoConformanceTest {

    private static final Path P4C_OUT = Paths.get("..", "pipeconf", "src", "main", "resources", "p4c-out", "bmv2");
    private static final String P4INFO_RESOURCE = "/p4c-out/bmv2/tcp_bypass_p4info.txt";

    private PiPipelineModel model;

    @Before
    public void setUp() throws Exception {
        URL p4Info = p4Info();
        assumeTrue("No committed P4Info yet (pipeconf/src/main/resources/p4c-out/bmv2/*_p4info.txt): "
                           + "the pipeline engineer's p4c output; skipping", p4Info != null);
        model = P4InfoParser.parse(p4Info);
        MockIdGenerator.cleanBind();
    }

    @After
    public void tearDown() {
        MockIdGenerator.unbind();
    }

    private static URL p4Info() throws IOException {
        if (Files.isDirectory(P4C_OUT)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(P4C_OUT, "*_p4info.txt")) {
                for (Path file : files) {
                    return file.toUri().toURL();
                }
            }
        }
        return P4InfoConformanceTest.class.getResource(P4INFO_RESOURCE);
    }

    private FlowRuleIntent compileExtremes() {
        // Every 32-bit delta 0xFFFFFFFF (or close), the largest shifts and the largest 9-bit port.
        LegState client = LegState.builder().sndNxt(0).rcvNxt(1).localWindowShift(14).peerWindowShift(14)
                .mss(1460).sackPermitted(true).timestamps(true).tsVal(0).peerTsVal(1).build();
        LegState server = LegState.builder().sndNxt(0).rcvNxt(1).localWindowShift(14).peerWindowShift(14)
                .mss(1460).sackPermitted(true).timestamps(true).tsVal(0).peerTsVal(1).build();
        Bypass record = Bypass.offloading(BypassId.of(1), "proxy1", DEVICE, TUPLE,
                                          BypassTranslation.of(client, server), 1000);
        return BypassIntentCompiler.compile(APP_ID, record,
                                            Attachment.of(PortNumber.portNumber(511), TestData.CLIENT_MAC),
                                            Attachment.of(PortNumber.portNumber(1), TestData.SERVER_MAC),
                                            PROXY_MAC);
    }

    @Test
    public void bypassTableMatchesExactlyTheCompiledCriteria() {
        PiTableModel table = model.table(BYPASS_TABLE).orElseThrow(() -> new AssertionError("no " + BYPASS_TABLE));
        Map<PiMatchFieldId, PiMatchFieldModel> fields = table.matchFields().stream()
                .collect(Collectors.toMap(PiMatchFieldModel::id, f -> f));
        assertEquals(Set.of(HDR_IPV4_SRC, HDR_IPV4_DST, HDR_TCP_SRC, HDR_TCP_DST), fields.keySet());
        assertEquals(32, fields.get(HDR_IPV4_SRC).bitWidth());
        assertEquals(32, fields.get(HDR_IPV4_DST).bitWidth());
        assertEquals(16, fields.get(HDR_TCP_SRC).bitWidth());
        assertEquals(16, fields.get(HDR_TCP_DST).bitWidth());
        fields.values().forEach(f -> assertEquals(f.id().toString(), PiMatchType.EXACT, f.matchType()));
        for (FlowRule rule : compileExtremes().flowRules()) {
            Set<Criterion.Type> types = new HashSet<>();
            rule.selector().criteria().forEach(c -> types.add(c.type()));
            assertEquals(Set.of(Criterion.Type.IPV4_SRC, Criterion.Type.IPV4_DST, Criterion.Type.TCP_SRC,
                                Criterion.Type.TCP_DST), types);
        }
        // As ONOS's PI flow rule translator does: every criterion maps, through the pipeconf's interpreter, to a
        // field of the table, and every exact field of the table gets a criterion.
        BypassInterpreter interpreter = new BypassInterpreter();
        for (FlowRule rule : compileExtremes().flowRules()) {
            Set<PiMatchFieldId> mapped = new HashSet<>();
            rule.selector().criteria().forEach(c -> mapped.add(interpreter.mapCriterionType(c.type())
                    .orElseThrow(() -> new AssertionError("interpreter does not map " + c.type()))));
            assertEquals(fields.keySet(), mapped);
        }
        assertTrue("direct counter the idle timeout reads",
                   table.counters().stream().anyMatch(c -> c.id().equals(BYPASS_COUNTER)));
    }

    @Test
    public void everyActionParameterExistsWithItsWidth() throws Exception {
        PiTableModel table = model.table(BYPASS_TABLE).orElseThrow();
        PiActionModel actionModel = table.action(BYPASS_REWRITE)
                .orElseThrow(() -> new AssertionError(BYPASS_REWRITE + " is not an action of " + BYPASS_TABLE));
        for (FlowRule rule : compileExtremes().flowRules()) {
            PiAction action = BypassIntentCompilerTest.action(rule);
            assertEquals(BYPASS_REWRITE, action.id());
            assertEquals("parameter count", actionModel.params().size(), action.parameters().size());
            for (PiActionParam param : action.parameters()) {
                PiActionParamModel pm = actionModel.param(param.id())
                        .orElseThrow(() -> new AssertionError("no parameter " + param.id() + " in P4Info"));
                assertEquals(param.id() + " bytes", (pm.bitWidth() + 7) / 8, param.value().size());
                ImmutableByteSequence fitted = param.value().fit(pm.bitWidth());
                assertEquals(param.id() + " value survives ONOS's fit", param.value(), fitted);
            }
        }
    }
}
