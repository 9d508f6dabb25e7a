package org.tcpbypass.proxy.offload;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.tcpbypass.proxy.ProxyConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.fail;

/** The REST client against a local HTTP server: success, 4xx, 5xx, bad answers, timeout, refusal, TLS. */
public class OffloadClientTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    @Rule
    public final TemporaryFolder folder = new TemporaryFolder();
    private HttpServer server;
    private final List<String> seen = new ArrayList<>();
    private volatile int status;
    private volatile String body;
    private volatile long delayMillis;

    @Before
    public void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/onos/tcp-bypass", x -> {
            String in = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            synchronized (seen) {
                seen.add(x.getRequestMethod() + " " + x.getRequestURI() + " "
                                 + x.getRequestHeaders().getFirst("Authorization") + " "
                                 + x.getRequestHeaders().getFirst("Content-Type") + " "
                                 + x.getRequestHeaders().getFirst(OffloadClient.IDEMPOTENCY_KEY) + " " + in);
            }
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] out = body.getBytes(StandardCharsets.UTF_8);
            try {
                x.sendResponseHeaders(status, out.length);
                try (OutputStream o = x.getResponseBody()) {
                    o.write(out);
                }
            } catch (IOException e) {
                x.close();
            }
        });
        server.start();
    }

    @After
    public void stop() {
        server.stop(0);
    }

    private OffloadClient client(int port) throws Exception {
        return new OffloadClient(config(port).controller);
    }

    private ProxyConfig config(int port) throws Exception {
        Path password = folder.newFile().toPath();
        Files.writeString(password, "s3cret\n");
        return ProxyConfig.parse(MAPPER.readTree("{\"name\": \"proxy1\", \"controller\": {\"url\": "
                + "\"http://127.0.0.1:" + port + "/onos/tcp-bypass/\", \"user\": \"karaf\", \"passwordFile\": \""
                + password + "\", \"requestTimeoutMillis\": 300}, \"listeners\": [{\"listen\": \"127.0.0.1:8000\", "
                + "\"backends\": [\"127.0.0.1:9000\"]}]}"));
    }

    private static ObjectNode offload() {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("proxy", "proxy1");
        return o;
    }

    private void answer(int s, String b) {
        status = s;
        body = b;
    }

    @Test
    public void postsWithBasicAuthAndTheIdempotencyKeyAndReadsTheRecord() throws Exception {
        answer(201, "{\"id\": \"17\", \"state\": \"OFFLOADING\", \"reason\": null, \"translation\": {}}");
        OffloadClient.Record r = client(server.getAddress().getPort()).request(offload(), "k-1", 4000);
        assertEquals("17", r.id);
        assertEquals("OFFLOADING", r.state);
        assertNull(r.reason);
        String auth = "Basic " + Base64.getEncoder().encodeToString("karaf:s3cret".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("POST /onos/tcp-bypass/offloads?wait=4000 " + auth
                                     + " application/json k-1 {\"proxy\":\"proxy1\"}"), seen);
        answer(200, "{\"id\": \"17\", \"state\": \"BYPASSED\"}");
        assertEquals("a retried POST may answer 200 with the first record", "BYPASSED",
                     client(server.getAddress().getPort()).request(offload(), "k-1", 4000).state);
    }

    @Test
    public void withoutAUserNoAuthorizationIsSent() throws Exception {
        answer(201, "{\"id\": \"17\", \"state\": \"OFFLOADING\"}");
        ProxyConfig c = ProxyConfig.parse(MAPPER.readTree("{\"name\": \"proxy1\", \"controller\": {\"url\": "
                + "\"http://127.0.0.1:" + server.getAddress().getPort() + "/onos/tcp-bypass\"}, \"listeners\": "
                + "[{\"listen\": \"127.0.0.1:8000\", \"backends\": [\"127.0.0.1:9000\"]}]}"));
        new OffloadClient(c.controller).request(offload(), "k", 0);
        assertThat(seen.get(0), containsString(" null application/json"));
    }

    @Test
    public void cancelsOnlyWhileOffloadingAndReadsTheRecordEitherWay() throws Exception {
        OffloadClient c = client(server.getAddress().getPort());
        answer(200, "{\"id\": \"17\", \"state\": \"RELEASED\"}");
        assertEquals("RELEASED", c.cancel("17").state);
        answer(409, "{\"id\": \"17\", \"state\": \"BYPASSED\"}");
        assertEquals("the bypass won the race", "BYPASSED", c.cancel("17").state);
        assertThat(seen.get(0), containsString("DELETE /onos/tcp-bypass/offloads/17?ifState=OFFLOADING "));
    }

    @Test
    public void cancelsAnUnansweredRequestByItsKeyAndReadsTheRecordItMadeIfAny() throws Exception {
        OffloadClient c = client(server.getAddress().getPort());
        answer(204, "");
        assertEquals("the key made no record", Optional.empty(), c.cancelRequest("proxy 1&x", "k-1"));
        answer(409, "{\"id\": \"17\", \"state\": \"BYPASSED\"}");
        assertEquals("the bypass won the race", "BYPASSED", c.cancelRequest("proxy1", "k-1").orElseThrow().state);
        assertThat("the proxy's name encoded as a query value", seen.get(0),
                   containsString("DELETE /onos/tcp-bypass/offloads?proxy=proxy+1%26x&idempotencyKey=k-1"
                                          + "&ifState=OFFLOADING "));
        answer(409, "{\"message\": \"Idempotency-Key 'k-1': the request with this key, bypass 17, is still being"
                       + " processed\"}");
        try {
            c.cancelRequest("proxy1", "k-1");
            fail("a request still being processed taken as an answer");
        } catch (OffloadClient.ControllerException e) {
            assertFalse("asked again, as if unanswered", e.answered);
            assertThat(e.getMessage(), containsString("still being processed"));
        }
        answer(404, "{\"message\": \"no such thing\"}");
        try {
            c.cancelRequest("proxy1", "k-1");
            fail("404 accepted");
        } catch (OffloadClient.ControllerException e) {
            assertEquals(404, e.status);
        }
    }

    @Test
    public void idsAreCheckedBeforeTheyGoIntoAPath() throws Exception {
        OffloadClient c = client(server.getAddress().getPort());
        for (String bad : new String[] {"../proxies", "17?x=1", "a/b", "", "x".repeat(65)}) {
            try {
                c.await(bad, 0);
                fail("accepted id " + bad);
            } catch (OffloadClient.ControllerException e) {
                assertThat(e.getMessage(), containsString("invalid bypass id"));
            }
        }
        assertEquals("nothing was sent", List.of(), seen);
    }

    @Test
    public void answersLargerThanTheLimitAreRefused() throws Exception {
        answer(201, "{\"id\": \"17\", \"state\": \"OFFLOADING\", \"pad\": \""
                + "x".repeat(OffloadClient.MAX_ANSWER_BYTES) + "\"}");
        fails("answered more than 65536 bytes", 0, client(server.getAddress().getPort()));
    }

    @Test
    public void waitsForTheStateWithTheWaitParameter() throws Exception {
        answer(200, "{\"id\": \"17\", \"state\": \"FAILED\", \"reason\": \"device offline\"}");
        OffloadClient.Record r = client(server.getAddress().getPort()).await("17", 45000);
        assertEquals("FAILED", r.state);
        assertEquals("device offline", r.reason);
        assertThat(seen.get(0), containsString("GET /onos/tcp-bypass/offloads/17?wait=30000 "));
    }

    @Test
    public void reportsInTheBackground() throws Exception {
        answer(200, "{\"accepted\": 1}");
        OffloadClient c = client(server.getAddress().getPort());
        assertEquals(Integer.valueOf(200), c.report(offload()).get(5, TimeUnit.SECONDS));
        assertThat(seen.get(0), containsString("POST /onos/tcp-bypass/connections "));
    }

    private void fails(String expected, int expectedStatus, OffloadClient c) throws Exception {
        try {
            c.request(offload(), "k", 0);
            fail("no error");
        } catch (OffloadClient.ControllerException e) {
            assertThat(e.getMessage(), containsString(expected));
            assertEquals(expectedStatus, e.status);
        }
    }

    @Test
    public void everyErrorIsAControllerException() throws Exception {
        OffloadClient c = client(server.getAddress().getPort());
        answer(403, "{\"message\": \"not a registered proxy\"}");
        fails("answered 403: {\"message\": \"not a registered proxy\"}", 403, c);
        answer(409, "{\"message\": \"already offloaded\"}");
        fails("answered 409", 409, c);
        answer(500, "oops");
        fails("answered 500: oops", 500, c);
        answer(202, "{\"id\": \"1\", \"state\": \"OFFLOADING\"}");
        fails("answered 202", 202, c);
        answer(201, "<html>");
        fails("answer is not JSON", 0, c);
        answer(201, "{\"state\": \"OFFLOADING\"}");
        fails("answer without id and state", 0, c);
        answer(201, "{\"id\": \"1\", \"state\": \"OFFLOADING\"}");
        delayMillis = 1500;
        long t0 = System.nanoTime();
        fails("POST /onos/tcp-bypass/offloads timed out", 0, c);
        assertThat("timeout honoured", (System.nanoTime() - t0) / 1_000_000 < 1200 ? "yes" : "no",
                   containsString("yes"));
    }

    @Test
    public void httpsTrustsExactlyTheCaFile() throws Exception {
        char[] pass = "changeit".toCharArray();
        Path trusted = selfSigned("trusted", pass);
        Path other = selfSigned("other", pass);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(trusted.resolveSibling("trusted.p12"))) {
            ks.load(in, pass);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pass);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        https.setHttpsConfigurator(new HttpsConfigurator(tls));
        https.createContext("/onos/tcp-bypass", x -> {
            x.getRequestBody().readAllBytes();
            byte[] out = "{\"id\": \"5\", \"state\": \"BYPASSED\"}".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(201, out.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(out);
            }
        });
        https.start();
        try {
            String url = "https://127.0.0.1:" + https.getAddress().getPort() + "/onos/tcp-bypass";
            assertEquals("BYPASSED", httpsClient(url, trusted).request(offload(), "k", 0).state);
            try {
                httpsClient(url, other).request(offload(), "k", 0);
                fail("a certificate outside the CA file was trusted");
            } catch (OffloadClient.ControllerException e) {
                assertThat(e.getMessage(), containsString("POST /onos/tcp-bypass/offloads failed"));
                assertThat(e.getMessage(), containsString("SSLHandshakeException"));
            }
        } finally {
            https.stop(0);
        }
    }

    // A key pair for 127.0.0.1 in <name>.p12 and its certificate as PEM, the CA file, in <name>.pem.
    private Path selfSigned(String name, char[] pass) throws Exception {
        Path dir = folder.getRoot().toPath();
        Path p12 = dir.resolve(name + ".p12");
        Path pem = dir.resolve(name + ".pem");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", name, "-keyalg", "EC", "-dname", "CN=" + name, "-ext",
            "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", p12.toString(),
            "-storepass", new String(pass));
        run(keytool, "-exportcert", "-rfc", "-alias", name, "-keystore", p12.toString(), "-storepass",
            new String(pass), "-file", pem.toString());
        return pem;
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(String.join(" ", cmd) + ": " + out, 0, p.waitFor());
    }

    private OffloadClient httpsClient(String url, Path caFile) throws Exception {
        return new OffloadClient(ProxyConfig.parse(MAPPER.readTree("{\"name\": \"proxy1\", \"controller\": {\"url\": \""
                + url + "\", \"caFile\": \"" + caFile + "\", \"requestTimeoutMillis\": 3000}, \"listeners\": "
                + "[{\"listen\": \"127.0.0.1:8000\", \"backends\": [\"127.0.0.1:9000\"]}]}")).controller);
    }

    @Test
    public void refusedConnectionIsAControllerException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        fails("POST /onos/tcp-bypass/offloads failed: java.net.ConnectException", 0, client(port));
    }
}
