package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.Test;
import org.tcpbypass.api.OffloadRequest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.tcpbypass.codec.BypassFixtures.request;
import static org.tcpbypass.codec.CodecAssertions.assertInvalid;

/**
 * Tests the offload request codec against the example of docs/offload-protocol.md.
 */
public class OffloadRequestCodecTest {

    private final TestCodecContext context = new TestCodecContext();
    private final OffloadRequestCodec codec = new OffloadRequestCodec();

    private ObjectNode example() {
        return context.resource(OffloadRequestCodecTest.class, "offload-request.json");
    }

    private OffloadRequest decodeChanged(Consumer<ObjectNode> change) {
        ObjectNode json = example();
        change.accept(json);
        return codec.decode(json, context);
    }

    @Test
    public void decodesTheDocumentedExample() {
        assertEquals(request(), codec.decode(example(), context));
    }

    @Test
    public void encodesTheDocumentedExample() throws IOException {
        String encoded = codec.encode(request(), context).toString();
        assertEquals(example(), context.mapper().readTree(encoded));
        assertEquals(example().toString(), encoded);
    }

    @Test
    public void attachmentsAreOptional() {
        OffloadRequest request = decodeChanged(json -> {
            json.remove("clientAttachment");
            json.putNull("serverAttachment");
        });
        assertFalse(request.clientAttachment().isPresent());
        assertFalse(request.serverAttachment().isPresent());
        assertEquals(request, codec.decode(codec.encode(request, context), context));
    }

    @Test
    public void namesTheTopLevelField() {
        assertInvalid("proxy: is required", () -> decodeChanged(json -> json.remove("proxy")));
        assertInvalid("proxy: must not be empty", () -> decodeChanged(json -> json.put("proxy", "")));
        assertInvalid("proxy: must be a string, not 1", () -> decodeChanged(json -> json.put("proxy", 1)));
        assertInvalid("deviceId: 'not a device' is not a device id such as device:bmv2:s1",
                      () -> decodeChanged(json -> json.put("deviceId", "not a device")));
        assertInvalid("deviceId: 's1' is not a device id such as device:bmv2:s1",
                      () -> decodeChanged(json -> json.put("deviceId", "s1")));
        assertInvalid("clientLeg: is required", () -> decodeChanged(json -> json.remove("clientLeg")));
        assertInvalid("serverLeg: must be an object, not [1]",
                      () -> decodeChanged(json -> json.putArray("serverLeg").add(1)));
        assertInvalid("vip: must be an object, not \"198.18.0.100:80\"",
                      () -> decodeChanged(json -> json.put("vip", "198.18.0.100:80")));
    }

    @Test
    public void namesTheNestedField() {
        assertInvalid("clientLeg.sndNxt: 4294967296 is not in 0..4294967295",
                      () -> decodeChanged(json -> ((ObjectNode) json.get("clientLeg")).put("sndNxt", 4294967296L)));
        assertInvalid("serverLeg.tsVal: is required",
                      () -> decodeChanged(json -> ((ObjectNode) json.get("serverLeg")).remove("tsVal")));
        assertInvalid("client.port: 70000 is not in 1..65535",
                      () -> decodeChanged(json -> ((ObjectNode) json.get("client")).put("port", 70000)));
        assertInvalid("proxyAddress.ip: '198.18.0' is not an IPv4 address",
                      () -> decodeChanged(json -> ((ObjectNode) json.get("proxyAddress")).put("ip", "198.18.0")));
        assertInvalid("serverAttachment.mac: 'nope' is not a MAC address",
                      () -> decodeChanged(json -> ((ObjectNode) json.get("serverAttachment")).put("mac", "nope")));
    }

    @Test
    public void rejectsAServerLegThatIsTheClientLeg() {
        assertInvalid("server: the server leg 198.18.0.1:40000->198.18.0.100:80 is the same connection as the "
                              + "client leg 198.18.0.1:40000->198.18.0.100:80",
                      () -> decodeChanged(json -> {
                          json.set("proxyAddress", json.get("client").deepCopy());
                          json.set("server", json.get("vip").deepCopy());
                      }));
    }

    @Test
    public void everyFieldRefusesEveryWrongValueNamingItself() {
        String[] wrongValues = {"\"\"", "\"10.0.0.1:80\"", "-1", "1.5", "1e3", "[]", "{}", "null", "true",
                                "99999999999999999999999"};
        for (String path : fieldPaths(example(), "")) {
            for (String wrong : wrongValues) {
                ObjectNode json = example();
                JsonNode original = replace(json, path, wrong);
                try {
                    codec.decode(json, context);
                    boolean optionalLeftOut = wrong.equals("null")
                            && (path.endsWith("Attachment") || path.endsWith(".ecn"));
                    boolean sameValue = original.toString().equals(wrong);
                    boolean otherBoolean = original.isBoolean() && wrong.equals("true");
                    boolean anyTextNamesAProxy = path.equals("proxy") && wrong.startsWith("\"1");
                    assertTrue(path + " accepted " + wrong,
                               optionalLeftOut || sameValue || otherBoolean || anyTextNamesAProxy);
                } catch (InvalidFieldException e) {
                    assertTrue(path + "=" + wrong + " reported as " + e.getMessage(),
                               e.field().equals(path) || e.field().startsWith(path + "."));
                } catch (RuntimeException e) {
                    fail(path + "=" + wrong + " failed with " + e);
                }
            }
        }
    }

    private static List<String> fieldPaths(JsonNode json, String prefix) {
        List<String> paths = new ArrayList<>();
        json.fieldNames().forEachRemaining(name -> {
            String path = prefix + name;
            paths.add(path);
            if (json.get(name).isObject()) {
                paths.addAll(fieldPaths(json.get(name), path + "."));
            }
        });
        return paths;
    }

    private JsonNode replace(ObjectNode json, String path, String value) {
        int dot = path.lastIndexOf('.');
        ObjectNode parent = dot < 0 ? json : (ObjectNode) json.at("/" + path.substring(0, dot).replace('.', '/'));
        String field = path.substring(dot + 1);
        JsonNode original = parent.get(field);
        try {
            parent.set(field, context.mapper().readTree(value));
        } catch (IOException e) {
            throw new IllegalArgumentException(value, e);
        }
        return original;
    }
}
