package org.tcpbypass.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.Test;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.OffloadRequest;
import org.tcpbypass.api.RegisteredProxy;
import org.tcpbypass.codec.TestCodecContext;

import java.util.Iterator;
import java.util.Map;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.tcpbypass.codec.BypassFixtures.DEVICE;
import static org.tcpbypass.codec.BypassFixtures.bypassed;
import static org.tcpbypass.codec.BypassFixtures.proxy;
import static org.tcpbypass.codec.BypassFixtures.request;
import static org.tcpbypass.codec.BypassFixtures.statistics;
import static org.tcpbypass.codec.BypassFixtures.tuple;

/**
 * Checks the Swagger definitions under src/main/resources/definitions against what the codecs really read and
 * write: every field written is documented with its type and range, every required field is written, and the
 * documented request example decodes to the protocol's example.
 */
public class ApiDefinitionsTest {

    private final TestCodecContext codecs = new TestCodecContext();

    private ObjectNode definition(String name) {
        return codecs.resource(ApiDefinitionsTest.class, "/definitions/" + name + ".json");
    }

    private ObjectNode records() {
        Bypass released = Bypass.proxied(BypassId.of(3), "proxy1", DEVICE, tuple(), 5)
                .withState(BypassState.RELEASED, "closed by client", 9);
        ObjectNode list = codecs.mapper().createObjectNode();
        ArrayNode offloads = list.putArray("offloads");
        offloads.add(codecs.encode(bypassed(17), Bypass.class));
        offloads.add(codecs.encode(released, Bypass.class));
        return list;
    }

    @Test
    public void requestDefinitionsDescribeTheProtocolExamples() {
        assertConforms("OffloadPost", definition("OffloadPost"),
                       codecs.resource(ApiDefinitionsTest.class, "post-offload.json"));
        assertConforms("ConnectionsPost", definition("ConnectionsPost"),
                       codecs.resource(ApiDefinitionsTest.class, "post-connections.json"));
    }

    @Test
    public void requestExampleDecodesToTheProtocolExample() {
        ObjectNode example = (ObjectNode) example(definition("OffloadPost"));
        assertEquals(request(), codecs.decode(example, OffloadRequest.class));
    }

    @Test
    public void responseDefinitionsDescribeWhatTheCodecsWrite() {
        ObjectNode records = records();
        assertConforms("Offloads", definition("Offloads"), records);
        records.get("offloads").forEach(r -> assertConforms("Offload", definition("Offload"), r));
        ObjectNode proxies = codecs.mapper().createObjectNode();
        proxies.putArray("proxies").add(codecs.encode(proxy(), RegisteredProxy.class));
        assertConforms("Proxies", definition("Proxies"), proxies);
        assertConforms("Statistics", definition("Statistics"), codecs.encode(statistics(), BypassStatistics.class));
    }

    private JsonNode example(JsonNode schema) {
        switch (schema.get("type").asText()) {
            case "object":
                ObjectNode object = codecs.mapper().createObjectNode();
                schema.get("properties").fields().forEachRemaining(e -> object.set(e.getKey(), example(e.getValue())));
                return object;
            case "array":
                return codecs.mapper().createArrayNode().add(example(schema.get("items")));
            default:
                return schema.get("example");
        }
    }

    private static void assertConforms(String path, JsonNode schema, JsonNode value) {
        if (value.isNull()) {
            assertTrue(path + " is null but not x-nullable", schema.path("x-nullable").asBoolean());
            return;
        }
        switch (schema.get("type").asText()) {
            case "object":
                assertTrue(path + " is not an object", value.isObject());
                schema.path("required").forEach(
                        r -> assertTrue(path + "." + r.asText() + " is required but missing", value.has(r.asText())));
                Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    String fieldPath = path + "." + field.getKey();
                    JsonNode fieldSchema = schema.path("properties").has(field.getKey())
                            ? schema.get("properties").get(field.getKey()) : schema.get("additionalProperties");
                    if (fieldSchema == null) {
                        fail(fieldPath + " is not documented");
                    }
                    assertConforms(fieldPath, fieldSchema, field.getValue());
                }
                break;
            case "array":
                assertTrue(path + " is not an array", value.isArray());
                for (int i = 0; i < value.size(); i++) {
                    assertConforms(path + "[" + i + "]", schema.get("items"), value.get(i));
                }
                break;
            case "string":
                assertTrue(path + " is not a string", value.isTextual());
                if (schema.has("enum")) {
                    assertTrue(path + " is not one of " + schema.get("enum"),
                               schema.get("enum").toString().contains("\"" + value.asText() + "\""));
                }
                break;
            case "integer":
                assertTrue(path + " is not an integer", value.isIntegralNumber());
                assertTrue(path + " is below its minimum", !schema.has("minimum")
                        || value.longValue() >= schema.get("minimum").longValue());
                assertTrue(path + " is above its maximum", !schema.has("maximum")
                        || value.longValue() <= schema.get("maximum").longValue());
                break;
            case "boolean":
                assertTrue(path + " is not a boolean", value.isBoolean());
                break;
            default:
                fail(path + " has an unknown schema type " + schema.get("type"));
        }
    }
}
