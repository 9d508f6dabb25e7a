package org.tcpbypass.impl;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.onlab.junit.TestUtils;
import org.onlab.osgi.TestServiceDirectory;
import org.onlab.rest.BaseResource;
import org.onosproject.codec.CodecService;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.criteria.Criterion;
import org.onosproject.net.flow.instructions.PiInstruction;
import org.onosproject.net.intent.FlowRuleIntent;
import org.onosproject.net.intent.Intent;
import org.onosproject.net.intent.IntentEvent;
import org.onosproject.net.pi.model.PiActionModel;
import org.onosproject.net.pi.model.PiActionParamModel;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.model.PiTableModel;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.p4runtime.model.P4InfoParser;
import org.onosproject.store.service.TestStorageService;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.codec.TestCodecService;
import org.tcpbypass.pipeconf.BypassInterpreter;
import org.tcpbypass.rest.BypassResourceTest;

import javax.ws.rs.client.Entity;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_REWRITE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_GUARD;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;

/**
 * An offload request posted to the REST resource, through the real codecs, manager, store and bypass intent compiler,
 * ends as two bypass-table flow rules whose PI form (criteria through the pipeconf's interpreter, the rewrite
 * action as compiled) names only tables, fields, actions and parameters of the committed P4Info, at their
 * widths; the intent's INSTALLED event then makes the record BYPASSED.
 */
public class OffloadEndToEndTest extends BypassResourceTest {

    private static final String P4INFO = "/p4c-out/bmv2/tcp_bypass_p4info.txt";

    @Rule
    public final ManagerHarness h = new ManagerHarness(new TestStorageService());

    @Override
    @Before
    public void setUpServices() throws Exception {
        TestServiceDirectory directory = new TestServiceDirectory()
                .add(BypassService.class, h.manager)
                .add(CodecService.class, TestCodecService.withBypassCodecs());
        TestUtils.setField(BaseResource.class, "services", directory);
    }

    /** The real manager answers here, not the base class's mock: nothing to verify. */
    @Override
    @After
    public void verifyService() {
    }

    private static String offloadJson() throws Exception {
        try (InputStream in = BypassResourceTest.class.getResourceAsStream("post-offload.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void assertConformsToP4Info(FlowRule rule, PiPipelineModel model) throws Exception {
        PiTableModel table = model.table((PiTableId) rule.table())
                .orElseThrow(() -> new AssertionError("no table " + rule.table() + " in P4Info"));
        assertTrue(table.id().toString(), BYPASS_TABLE.equals(table.id()) || BYPASS_GUARD.equals(table.id()));

        BypassInterpreter interpreter = new BypassInterpreter();
        Set<PiMatchFieldId> fields = new HashSet<>();
        for (Criterion c : rule.selector().criteria()) {
            PiMatchFieldId field = interpreter.mapCriterionType(c.type())
                    .orElseThrow(() -> new AssertionError("interpreter does not map " + c.type()));
            assertTrue(field + " is not a match field of " + table.id(), table.matchField(field).isPresent());
            fields.add(field);
        }
        assertEquals("every exact field of the table gets a criterion", table.matchFields().size(), fields.size());

        assertEquals(1, rule.treatment().allInstructions().size());
        PiAction action = (PiAction) ((PiInstruction) rule.treatment().allInstructions().get(0)).action();
        assertEquals(BYPASS_REWRITE, action.id());
        PiActionModel actionModel = table.action(action.id())
                .orElseThrow(() -> new AssertionError(action.id() + " is not an action of " + table.id()));
        assertEquals(actionModel.params().size(), action.parameters().size());
        for (PiActionParam param : action.parameters()) {
            PiActionParamModel pm = actionModel.param(param.id())
                    .orElseThrow(() -> new AssertionError("no parameter " + param.id()));
            assertEquals(param.value(), param.value().fit(pm.bitWidth()));
        }
    }

    @Test
    public void postedOffloadBecomesBypassRulesOfTheCommittedPipeline() throws Exception {
        URL p4Info = OffloadEndToEndTest.class.getResource(P4INFO);
        assertNotNull("the pipeconf jar carries " + P4INFO, p4Info);
        PiPipelineModel model = P4InfoParser.parse(p4Info);

        Response posted = target("offloads").request()
                .post(Entity.entity(offloadJson(), MediaType.APPLICATION_JSON_TYPE));
        assertEquals(201, posted.getStatus());
        ObjectNode record = body(posted);
        assertEquals("OFFLOADING", record.path("state").asText());
        String id = record.path("id").asText();

        assertEquals(1, h.intents.submitted.size());
        Intent intent = h.intents.submitted.get(0);
        assertTrue("ONOS installs it as it is", intent instanceof FlowRuleIntent && intent.isInstallable());
        FlowRuleIntent rules = (FlowRuleIntent) intent;
        assertEquals(4, rules.flowRules().size());
        for (FlowRule rule : rules.flowRules()) {
            assertConformsToP4Info(rule, model);
        }

        h.intents.fire(IntentEvent.Type.INSTALLED, intent);
        h.drain();
        ObjectNode after = body(target("offloads/" + id).request().get());
        assertEquals("BYPASSED", after.path("state").asText());
    }

    @Test
    public void retriedPostUnderTheSameKeyAnswersTheFirstRecordAndAnotherConnectionIs422() throws Exception {
        String key = "3f2c1d9e-6b1a-4f7e-9c55-0d6e2b7a8c41";
        Response first = target("offloads").request().header("Idempotency-Key", key)
                .post(Entity.entity(offloadJson(), MediaType.APPLICATION_JSON_TYPE));
        assertEquals(201, first.getStatus());
        ObjectNode created = body(first);
        h.intents.fire(IntentEvent.Type.INSTALLED, h.intents.submitted.get(0));
        h.drain();

        Response retry = target("offloads").request().header("Idempotency-Key", key)
                .post(Entity.entity(offloadJson(), MediaType.APPLICATION_JSON_TYPE));
        assertEquals(200, retry.getStatus());
        ObjectNode repeated = body(retry);
        assertEquals(created.path("id"), repeated.path("id"));
        assertEquals("BYPASSED", repeated.path("state").asText());
        assertEquals("one intent", 1, h.intents.submitted.size());

        Response other = target("offloads").request().header("Idempotency-Key", key)
                .post(Entity.entity(offloadJson().replace("40000", "40001"), MediaType.APPLICATION_JSON_TYPE));
        assertEquals(422, other.getStatus());
        assertTrue(body(other).path("message").asText().startsWith("Idempotency-Key '" + key + "' was used for"
                + " another offload request (bypass " + created.path("id").asText() + ", "));
        assertEquals("one record", 1, h.manager.bypasses().size());
    }
    @Test
    public void anUnansweredPostCancelledByItsKeyMakesNoBypassAndABypassThatWonIsAnsweredUnchanged() throws Exception {
        String lost = "lost-request";
        Response none = target("offloads").queryParam("proxy", "proxy1").queryParam("idempotencyKey", lost)
                .queryParam("ifState", "OFFLOADING").request().delete();
        assertEquals("the key made no record", 204, none.getStatus());
        Response late = target("offloads").request().header("Idempotency-Key", lost)
                .post(Entity.entity(offloadJson(), MediaType.APPLICATION_JSON_TYPE));
        assertEquals("the request arriving after its cancel", 409, late.getStatus());
        assertEquals("Idempotency-Key '" + lost + "': the proxy cancelled the offload request with this key",
                     body(late).path("message").asText());
        assertTrue("no record, no intent", h.manager.bypasses().isEmpty() && h.intents.submitted.isEmpty());

        String won = "won-request";
        Response posted = target("offloads").request().header("Idempotency-Key", won)
                .post(Entity.entity(offloadJson(), MediaType.APPLICATION_JSON_TYPE));
        assertEquals(201, posted.getStatus());
        h.intents.fire(IntentEvent.Type.INSTALLED, h.intents.submitted.get(0));
        h.drain();
        Response cancelled = target("offloads").queryParam("proxy", "proxy1").queryParam("idempotencyKey", won)
                .queryParam("ifState", "OFFLOADING").request().delete();
        assertEquals("the bypass won: left as it is", 409, cancelled.getStatus());
        ObjectNode record = body(cancelled);
        assertEquals(body(posted).path("id"), record.path("id"));
        assertEquals("BYPASSED", record.path("state").asText());
        assertTrue(h.intents.withdrawn.isEmpty());
    }
}
