package org.tcpbypass.oar;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.Before;
import org.junit.Test;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/**
 * tools/tcp-bypass-netcfg writes the netcfg a user pushes (driver per switch, pipeconf, the ports section
 * simple_switch_grpc needs, proxies) and refuses, naming the missing piece, what would make offloads fail.
 */
public class NetcfgToolIT {

    /** The README's simple_switch_grpc command line, as tool arguments. */
    private static final String[] README_SWITCH = {
        "--port", "1@veth1", "--port", "2@veth3", "--port", "3@veth5",
        "--proxy", "proxy1,198.18.0.2,198.18.0.100,00:00:00:00:00:02,2",
    };

    private final ObjectMapper mapper = new ObjectMapper();
    private File root;
    private String out;
    private String err;

    @Before
    public void setUp() {
        root = new File(System.getProperty("repo.root"));
    }

    private int run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("tools/tcp-bypass-netcfg"));
        command.addAll(Arrays.asList(args));
        File stderr = File.createTempFile("netcfg", ".err");
        try {
            Process p = new ProcessBuilder(command).directory(root).redirectError(stderr).start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue("timed out: " + command, p.waitFor(30, TimeUnit.SECONDS));
            err = Files.readString(stderr.toPath());
            return p.exitValue();
        } finally {
            stderr.delete();
        }
    }

    private File write(JsonNode cfg) throws Exception {
        File f = File.createTempFile("netcfg", ".json");
        f.deleteOnExit();
        Files.writeString(f.toPath(), mapper.writeValueAsString(cfg));
        return f;
    }

    @Test
    public void theExampleIsWhatTheToolWritesForTheReadmeSwitch() throws Exception {
        assertEquals(err, 0, run(README_SWITCH));
        JsonNode written = mapper.readTree(out);
        assertEquals(mapper.readTree(new File(root, "tools/netcfg-example.json")), written);
        JsonNode device = written.path("devices").path("device:bmv2:s1");
        assertEquals("bmv2", device.path("basic").path("driver").asText());
        assertEquals("org.tcpbypass.bmv2", device.path("basic").path("pipeconf").asText());
        assertEquals("grpc://127.0.0.1:50001?device_id=1", device.path("basic").path("managementAddress").asText());
        assertEquals("veth3", device.path("ports").path("2").path("name").asText());
        assertEquals(2, device.path("ports").path("2").path("number").asInt());
        assertTrue(device.path("ports").path("2").path("enabled").asBoolean());
        assertEquals(3, device.path("ports").size());
        assertEquals(0, run("--check", "tools/netcfg-example.json"));
        assertEquals("tools/netcfg-example.json: ok\n", out);
    }

    @Test
    public void stratumGetsItsDriverAndNeedsNoPorts() throws Exception {
        assertEquals(err, 0, run("--stratum", "--grpc", "10.0.0.5:50002", "--p4-device-id", "2",
                                 "--proxy", "proxy1,198.18.0.2,198.18.0.100+198.18.0.101,00:00:00:00:00:02,2"));
        JsonNode basic = mapper.readTree(out).path("devices").path("device:bmv2:s1").path("basic");
        assertEquals("stratum-bmv2", basic.path("driver").asText());
        assertEquals("grpc://10.0.0.5:50002?device_id=2", basic.path("managementAddress").asText());
        assertEquals(2, mapper.readTree(out).path("apps").path("org.tcpbypass").path("tcp-bypass")
                .path("proxies").get(0).path("vips").size());
    }

    @Test
    public void refusalsNameTheMissingPieceAndWriteNothing() throws Exception {
        assertEquals(1, run("--proxy", "proxy1,198.18.0.2,198.18.0.100,00:00:00:00:00:02,2"));
        assertEquals("", out);
        assertEquals("device:bmv2:s1: no ports: simple_switch_grpc (driver bmv2) reports none to ONOS; list each"
                             + " -i N@IFACE of its command line in the ports section (--port N@IFACE)\n", err);

        assertEquals(1, run("--port", "1@veth1", "--proxy", "proxy1,198.18.0.2,198.18.0.100,00:00:00:00:00:02,4"));
        assertEquals("proxy proxy1: unknown port 4 of device:bmv2:s1: not in its ports section\n", err);

        assertEquals(1, run("--port", "1@veth1"));
        assertEquals("no proxy: apps.org.tcpbypass.tcp-bypass.proxies is empty; every offload would be refused"
                             + " (403)\n", err);

        assertEquals(2, run("--port", "veth1"));
        assertTrue(err, err.contains("argument --port: veth1 is not N@IFACE"));
    }

    @Test
    public void checkRefusesANetcfgWithoutPipeconfDriverOrKnownHost() throws Exception {
        ObjectNode cfg = (ObjectNode) mapper.readTree(new File(root, "tools/netcfg-example.json"));
        ObjectNode basic = (ObjectNode) cfg.path("devices").path("device:bmv2:s1").path("basic");
        basic.remove("pipeconf");
        basic.put("driver", "p4runtime");
        cfg.set("hosts", mapper.readTree("{\"00:00:00:00:00:09/None\": {\"basic\": {\"ips\": [\"198.18.0.9\"],"
                                                 + " \"locations\": [\"device:bmv2:s2/1\"]}}}"));
        File f = write(cfg);
        assertEquals(1, run("--check", f.getPath()));
        assertFalse(out.contains("ok"));
        assertEquals("device:bmv2:s1: no driver: basic.driver is \"p4runtime\", must be bmv2 (simple_switch_grpc)"
                             + " or stratum-bmv2 (stratum_bmv2)\n"
                             + "device:bmv2:s1: no pipeconf: basic.pipeconf is null, must be org.tcpbypass.bmv2\n"
                             + "host 00:00:00:00:00:09/None: unknown device \"device:bmv2:s2\": not in the devices"
                             + " section\n", err);
    }
}
