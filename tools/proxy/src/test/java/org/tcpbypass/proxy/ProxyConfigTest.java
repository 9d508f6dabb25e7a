package org.tcpbypass.proxy;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** Configuration file, flags, defaults and every validation error. */
public class ProxyConfigTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    private static final String FULL_TEMPLATE = "{\n"
            + "  \"name\": \"proxy1\", \"deviceId\": \"device:bmv2:s1\", \"threads\": 3, \"bufferBytes\": 8192,\n"
            + "  \"relay\": \"copy\",\n"
            + "  \"metricsIntervalSeconds\": 0, \"nftTable\": \"tb_test\",\n"
            + "  \"controller\": {\"url\": \"http://127.0.0.1:8181/onos/tcp-bypass/\", \"user\": \"u\",\n"
            + "                 \"passwordFile\": \"PASSWORD_FILE\", \"requestTimeoutMillis\": 100,\n"
            + "                 \"offloadTimeoutMillis\": 200,\n"
            + "                 \"reportIntervalMillis\": 0},\n"
            + "  \"handoff\": {\"drainTimeoutMillis\": 300, \"probeTimeoutMillis\": 40, \"maxConcurrent\": 2,\n"
            + "              \"resumeSpacingMillis\": 0, \"niceness\": -3},\n"
            + "  \"rttRamp\": {\"enabled\": true, \"stepMillis\": 10, \"intervalMillis\": 50,\n"
            + "              \"dwellMillis\": 1000, \"maxMillis\": 300, \"queue\": 12, \"mechanism\": \"netem\",\n"
            + "              \"ifb\": \"ifb-ramp1\", \"preference\": 500},\n"
            + "  \"listeners\": [\n"
            + "    {\"listen\": \"198.18.0.100:80\", \"backends\": [\"198.18.1.3:8080\", \"198.18.1.4:8080\"],\n"
            + "     \"balance\": \"first\", \"offload\": {\"policy\": \"bytes\", \"bytes\": 4096}},\n"
            + "    {\"listen\": \"198.18.0.100:443\", \"backends\": [\"198.18.1.3:8443\"],\n"
            + "     \"offload\": {\"policy\": \"tls\"}}\n"
            + "  ]\n"
            + "}\n";

    private String full() throws IOException {
        Path p = tmp.newFile().toPath();
        Files.writeString(p, "p\n");
        return FULL_TEMPLATE.replace("PASSWORD_FILE", p.toString());
    }

    private String[] withFile(String json, String... flags) throws IOException {
        Path f = tmp.newFile().toPath();
        Files.writeString(f, json);
        String[] args = new String[flags.length + 2];
        args[0] = "--config";
        args[1] = f.toString();
        System.arraycopy(flags, 0, args, 2, flags.length);
        return args;
    }

    @Test
    public void fullFileIsRead() throws Exception {
        ProxyConfig c = Main.configure(withFile(full()));
        assertEquals("proxy1", c.name);
        assertEquals("device:bmv2:s1", c.deviceId);
        assertEquals(3, c.threads);
        assertEquals(8192, c.bufferBytes);
        assertFalse(c.splice);
        assertEquals(0, c.metricsIntervalSeconds);
        assertEquals("tb_test", c.nftTable);
        assertEquals("http://127.0.0.1:8181/onos/tcp-bypass", c.controller.url.toString());
        assertEquals("u", c.controller.user);
        assertEquals("p", c.controller.password);
        assertEquals(100, c.controller.requestTimeoutMillis);
        assertEquals(200, c.controller.offloadTimeoutMillis);
        assertEquals(0, c.controller.reportIntervalMillis);
        assertEquals(300, c.handoff.drainTimeoutMillis);
        assertEquals(40, c.handoff.probeTimeoutMillis);
        assertEquals(2, c.handoff.maxConcurrent);
        assertEquals(0, c.handoff.resumeSpacingMillis);
        assertEquals(-3, c.handoff.niceness);
        assertTrue(c.rttRamp.enabled);
        assertEquals(10, c.rttRamp.stepMillis);
        assertEquals(50, c.rttRamp.intervalMillis);
        assertEquals(1000, c.rttRamp.dwellMillis);
        assertEquals(300, c.rttRamp.maxMillis);
        assertEquals(12, c.rttRamp.queue);
        assertEquals(ProxyConfig.RttRamp.Mechanism.NETEM, c.rttRamp.mechanism);
        assertEquals("ifb-ramp1", c.rttRamp.ifb);
        assertEquals(500, c.rttRamp.preference);
        assertEquals(2, c.listeners.size());
        ProxyConfig.Listener l = c.listeners.get(0);
        assertEquals(new InetSocketAddress("198.18.0.100", 80), l.listen);
        assertEquals(List.of(new InetSocketAddress("198.18.1.3", 8080), new InetSocketAddress("198.18.1.4", 8080)),
                     l.backends);
        assertFalse(l.roundRobin);
        assertEquals(OffloadPolicy.BYTES, l.offload);
        assertEquals(4096, l.offloadBytes);
        assertEquals(OffloadPolicy.TLS, c.listeners.get(1).offload);
        assertTrue(c.listeners.get(1).roundRobin);
        assertTrue(c.offloads());
    }

    @Test
    public void flagsAloneGiveDefaults() throws Exception {
        ProxyConfig c = Main.configure(new String[] {"--listen", "127.0.0.1:8000", "--backend", "127.0.0.1:9000"});
        assertNull(c.name);
        assertNull(c.controller.url);
        assertNull("no default credentials", c.controller.user);
        assertNull(c.controller.password);
        assertNull(c.controller.caFile);
        assertEquals(Runtime.getRuntime().availableProcessors(), c.threads);
        assertEquals(65536, c.bufferBytes);
        assertTrue("splice is the default relay", c.splice);
        assertEquals("tcpbypass", c.nftTable);
        assertEquals(4000, c.handoff.drainTimeoutMillis);
        assertEquals(2, c.handoff.resumeSpacingMillis);
        assertEquals(-10, c.handoff.niceness);
        assertFalse(c.rttRamp.enabled);
        assertEquals(20, c.rttRamp.stepMillis);
        assertEquals(200, c.rttRamp.intervalMillis);
        assertEquals("past BBR's 10 s min-RTT window", 11000, c.rttRamp.dwellMillis);
        assertEquals(1000, c.rttRamp.maxMillis);
        assertEquals(7301, c.rttRamp.queue);
        assertEquals("netem where the kernel has it", ProxyConfig.RttRamp.Mechanism.AUTO, c.rttRamp.mechanism);
        assertEquals("tbp-ramp", c.rttRamp.ifb);
        assertEquals(49301, c.rttRamp.preference);
        assertEquals(OffloadPolicy.NEVER, c.listeners.get(0).offload);
        assertTrue(c.listeners.get(0).roundRobin);
        assertFalse(c.offloads());
    }

    @Test
    public void flagsOverrideTheFile() throws Exception {
        ProxyConfig c = Main.configure(withFile(full(), "--name", "proxy2", "--threads=1", "--controller-url",
                                                "http://10.0.0.1:8181/x", "--offload", "first-exchange",
                                                "--drain-timeout", "99", "--relay", "splice"));
        assertEquals("proxy2", c.name);
        assertTrue(c.splice);
        assertEquals(1, c.threads);
        assertEquals("http://10.0.0.1:8181/x", c.controller.url.toString());
        assertEquals(99, c.handoff.drainTimeoutMillis);
        assertEquals(OffloadPolicy.FIRST_EXCHANGE, c.listeners.get(0).offload);
        assertEquals(OffloadPolicy.FIRST_EXCHANGE, c.listeners.get(1).offload);
        assertEquals(4096, c.listeners.get(0).offloadBytes);
    }

    @Test
    public void listenFlagReplacesTheFileListeners() throws Exception {
        ProxyConfig c = Main.configure(withFile(full(), "--listen", "198.18.0.2:8000", "--backend", "198.18.1.3:9000",
                                                "--backend", "198.18.1.4:9000", "--balance", "first"));
        assertEquals(1, c.listeners.size());
        assertEquals(new InetSocketAddress("198.18.0.2", 8000), c.listeners.get(0).listen);
        assertEquals(2, c.listeners.get(0).backends.size());
        assertFalse(c.listeners.get(0).roundRobin);
    }

    private void rejects(String expected, String... args) {
        try {
            Main.configure(args);
            fail("accepted " + String.join(" ", args));
        } catch (ConfigException e) {
            assertThat(e.getMessage(), containsString(expected));
        }
    }

    private void rejectsFile(String expected, String json) throws IOException {
        rejects(expected, withFile(json));
    }

    private static final String L = "\"listeners\": [{\"listen\": \"127.0.0.1:8000\", \"backends\": [\"127.0.0.1:9000\"]}]";

    @Test
    public void badFlagsAreNamed() throws Exception {
        rejects("unknown argument '--bogus'", "--bogus", "1");
        rejects("unknown argument 'stray'", "stray");
        rejects("--threads needs a value", "--listen", "127.0.0.1:1", "--backend", "127.0.0.1:2", "--threads");
        rejects("--listen needs at least one --backend", "--listen", "127.0.0.1:1");
        rejects("--backend and --balance need --listen", "--backend", "127.0.0.1:1");
        rejects("--name given twice", "--name", "a", "--name", "b");
        rejects("listeners: at least one listener", "--threads", "2");
        rejects("--config: no such file", "--config", "/nonexistent/tbp.json");
        rejects("threads: 0 is outside 1..256", "--listen", "127.0.0.1:1", "--backend", "127.0.0.1:2",
                "--threads", "0");
        rejects("threads: 'x' is not an integer", "--listen", "127.0.0.1:1", "--backend", "127.0.0.1:2",
                "--threads", "x");
        rejects("listeners[0].listen: port 0 is outside 1..65535", "--listen", "127.0.0.1:0", "--backend",
                "127.0.0.1:2");
        rejects("listeners[0].listen: '300.1.1.1:80' is not an IPv4 address:port", "--listen", "300.1.1.1:80",
                "--backend", "127.0.0.1:2");
        rejects("listeners[0].backends[0]: 'host:80' is not an IPv4 address:port", "--listen", "127.0.0.1:80",
                "--backend", "host:80");
        rejects("listeners[0].listen: '127.0.0.1:http' has no numeric port", "--listen", "127.0.0.1:http",
                "--backend", "127.0.0.1:2");
        rejects("listeners[0].balance: 'random'", "--listen", "127.0.0.1:80", "--backend", "127.0.0.1:2",
                "--balance", "random");
        rejects("listeners[0].offload.policy: unknown offload policy 'sometimes'", "--listen", "127.0.0.1:80",
                "--backend", "127.0.0.1:2", "--offload", "sometimes");
        rejects("controller.url is required", "--listen", "127.0.0.1:80", "--backend", "127.0.0.1:2",
                "--offload", "handshake", "--name", "p", "--device-id", "d");
        rejects("deviceId is required", "--listen", "127.0.0.1:80", "--backend", "127.0.0.1:2",
                "--offload", "handshake", "--name", "p", "--controller-url", "http://127.0.0.1:1");
        rejects("name: the proxy's registered name is required", "--listen", "127.0.0.1:80", "--backend",
                "127.0.0.1:2", "--controller-url", "http://127.0.0.1:1");
        rejects("controller.url: 'ftp://x/y' is not an http(s) URL", "--listen", "127.0.0.1:80", "--backend",
                "127.0.0.1:2", "--controller-url", "ftp://x/y", "--name", "p");
        rejects("listeners[0].offload.bytes: 0 is outside", "--listen", "127.0.0.1:80", "--backend", "127.0.0.1:2",
                "--offload-bytes", "0");
        rejects("handoff.niceness: -21 is outside -20..19", "--listen", "127.0.0.1:80", "--backend", "127.0.0.1:2",
                "--handoff-niceness", "-21");
    }

    @Test
    public void badFileValuesAreNamed() throws Exception {
        rejectsFile("not valid JSON", "{\"name\": ");
        rejectsFile("must be a JSON object", "[1]");
        rejectsFile("colour: unknown setting", "{\"colour\": 1, " + L + "}");
        rejectsFile("controller.tls: unknown setting", "{\"controller\": {\"tls\": true}, " + L + "}");
        rejectsFile("listeners[0].weight: unknown setting",
                    "{\"listeners\": [{\"listen\": \"127.0.0.1:8000\", \"backends\": [\"127.0.0.1:9000\"], "
                            + "\"weight\": 2}]}");
        rejectsFile("listeners[0].backends: at least one backend",
                    "{\"listeners\": [{\"listen\": \"127.0.0.1:8000\", \"backends\": []}]}");
        rejectsFile("listeners[0].backends[0]: expected \"ip:port\"",
                    "{\"listeners\": [{\"listen\": \"127.0.0.1:8000\", \"backends\": [9000]}]}");
        rejectsFile("listeners[1].listen: missing",
                    "{\"listeners\": [{\"listen\": \"127.0.0.1:8000\", \"backends\": [\"127.0.0.1:9000\"]},"
                            + " {\"backends\": [\"127.0.0.1:9000\"]}]}");
        rejectsFile("listeners: /127.0.0.1:8000 is listed twice",
                    "{\"listeners\": [{\"listen\": \"127.0.0.1:8000\", \"backends\": [\"127.0.0.1:9000\"]},"
                            + " {\"listen\": \"127.0.0.1:8000\", \"backends\": [\"127.0.0.1:9001\"]}]}");
        rejectsFile("handoff: expected an object", "{\"handoff\": 3, " + L + "}");
        rejectsFile("rttRamp.interface: unknown setting",
                    "{\"rttRamp\": {\"enabled\": true, \"interface\": \"eth0\"}, " + L + "}");
        rejectsFile("rttRamp.stepMillis: 0 is outside 1..1000", "{\"rttRamp\": {\"stepMillis\": 0}, " + L + "}");
        rejectsFile("rttRamp.stepMillis: 50 exceeds rttRamp.maxMillis 40",
                    "{\"rttRamp\": {\"stepMillis\": 50, \"maxMillis\": 40}, " + L + "}");
        rejectsFile("rttRamp.dwellMillis: -1 is outside 0..600000", "{\"rttRamp\": {\"dwellMillis\": -1}, " + L + "}");
        rejectsFile("rttRamp.queue: 65536 is outside 0..65535", "{\"rttRamp\": {\"queue\": 65536}, " + L + "}");
        rejectsFile("rttRamp.mechanism: 'fq' (one of auto, netem, queue)",
                    "{\"rttRamp\": {\"mechanism\": \"fq\"}, " + L + "}");
        rejectsFile("rttRamp.ifb: 'ifb ramp' is not an interface name",
                    "{\"rttRamp\": {\"ifb\": \"ifb ramp\"}, " + L + "}");
        rejectsFile("rttRamp.ifb: 'a-very-long-ifb-name' is not an interface name",
                    "{\"rttRamp\": {\"ifb\": \"a-very-long-ifb-name\"}, " + L + "}");
        rejectsFile("rttRamp.preference: 0 is outside 1..65535", "{\"rttRamp\": {\"preference\": 0}, " + L + "}");
        rejectsFile("rttRamp.intervalMillis: 'soon' is not an integer",
                    "{\"rttRamp\": {\"intervalMillis\": \"soon\"}, " + L + "}");
        rejectsFile("rttRamp.enabled: 'yes' is not true or false", "{\"rttRamp\": {\"enabled\": \"yes\"}, " + L + "}");
        rejectsFile("name: expected a non-empty string", "{\"name\": \"\", " + L + "}");
        rejectsFile("nftTable: 'bad-name!' is not a valid nftables table name",
                    "{\"nftTable\": \"bad-name!\", " + L + "}");
        rejectsFile("bufferBytes: 100 is outside", "{\"bufferBytes\": 100, " + L + "}");
        rejectsFile("relay: 'sendfile' is neither splice nor copy", "{\"relay\": \"sendfile\", " + L + "}");
    }

    @Test
    public void rttRampFlags() throws Exception {
        ProxyConfig c = Main.configure(new String[] {"--listen", "127.0.0.1:80", "--backend", "127.0.0.1:2",
                "--rtt-ramp", "true", "--rtt-ramp-step", "10", "--rtt-ramp-interval", "100", "--rtt-ramp-dwell", "900",
                "--rtt-ramp-max", "200", "--rtt-ramp-queue", "5", "--rtt-ramp-mechanism", "queue", "--rtt-ramp-ifb",
                "rampifb", "--rtt-ramp-preference", "7"});
        assertTrue(c.rttRamp.enabled);
        assertEquals(10, c.rttRamp.stepMillis);
        assertEquals(100, c.rttRamp.intervalMillis);
        assertEquals(900, c.rttRamp.dwellMillis);
        assertEquals(200, c.rttRamp.maxMillis);
        assertEquals(5, c.rttRamp.queue);
        assertEquals(ProxyConfig.RttRamp.Mechanism.QUEUE, c.rttRamp.mechanism);
        assertEquals("rampifb", c.rttRamp.ifb);
        assertEquals(7, c.rttRamp.preference);
        rejects("unknown argument '--rtt-ramp-interface'", "--listen", "127.0.0.1:80", "--backend", "127.0.0.1:2",
                "--rtt-ramp-interface", "eth0");
    }

    @Test
    public void credentialsComeFromAFileOrTheEnvironmentNeverFromSettings() throws Exception {
        String url = "\"url\": \"https://127.0.0.1:8443/onos/tcp-bypass\"";
        rejectsFile("controller.password: a password is never a setting",
                    "{\"name\": \"p\", \"controller\": {" + url + ", \"user\": \"u\", \"password\": \"x\"}, " + L + "}");
        rejects("unknown argument '--controller-password'", "--listen", "127.0.0.1:80", "--backend",
                "127.0.0.1:2", "--controller-password", "x");
        if (System.getenv(ProxyConfig.Controller.PASSWORD_ENV) == null) {
            rejectsFile("controller.user: needs a password in controller.passwordFile or "
                                + ProxyConfig.Controller.PASSWORD_ENV,
                        "{\"name\": \"p\", \"controller\": {" + url + ", \"user\": \"u\"}, " + L + "}");
        }
        rejectsFile("controller.passwordFile: cannot read '/nonexistent/pw'",
                    "{\"name\": \"p\", \"controller\": {" + url + ", \"user\": \"u\", "
                            + "\"passwordFile\": \"/nonexistent/pw\"}, " + L + "}");
        Path pw = tmp.newFile().toPath();
        Files.writeString(pw, "s3cret\n");
        rejectsFile("controller.passwordFile: given without controller.user",
                    "{\"name\": \"p\", \"controller\": {" + url + ", \"passwordFile\": \"" + pw + "\"}, " + L + "}");
        rejectsFile("controller.caFile: only for an https controller.url",
                    "{\"name\": \"p\", \"controller\": {\"url\": \"http://127.0.0.1:1\", \"caFile\": \"" + pw
                            + "\"}, " + L + "}");
        rejectsFile("controller.caFile: cannot read '/nonexistent/ca.pem'",
                    "{\"name\": \"p\", \"controller\": {" + url + ", \"caFile\": \"/nonexistent/ca.pem\"}, " + L + "}");
        ProxyConfig c = Main.configure(new String[] {"--listen", "127.0.0.1:80", "--backend", "127.0.0.1:2",
                "--name", "p", "--controller-url", "https://127.0.0.1:8443/x", "--controller-user", "karaf",
                "--controller-password-file", pw.toString(), "--controller-ca-file", pw.toString()});
        assertEquals("karaf", c.controller.user);
        assertEquals("the file's trailing newline is not part of the password", "s3cret", c.controller.password);
        assertEquals(pw, c.controller.caFile);
    }

    @Test
    public void helpAndErrorsFromTheCommandLine() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, Main.run(new String[] {"--help"}, new PrintStream(out), new PrintStream(err)));
        assertThat(out.toString(StandardCharsets.UTF_8), containsString("Usage: tcp-bypass-proxy"));
        assertThat(out.toString(StandardCharsets.UTF_8), containsString("--offload POLICY"));
        assertEquals(Main.EXIT_CONFIG, Main.run(new String[] {"--listen", "127.0.0.1:0", "--backend", "127.0.0.1:1"},
                                                new PrintStream(out), new PrintStream(err)));
        assertThat(err.toString(StandardCharsets.UTF_8),
                   containsString("tcp-bypass-proxy: listeners[0].listen: port 0 is outside 1..65535"));
    }
}
