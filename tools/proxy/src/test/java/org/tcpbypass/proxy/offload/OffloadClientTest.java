package org.tcpbypass.proxy.offload;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.tcpbypass.proxy.ProxyConfig;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.fail;

/** The REST client against a local HTTP server: success, 4xx, 5xx, bad answers, timeout, refusal. */
public class OffloadClientTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
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
                                 + x.getRequestHeaders().getFirst("Content-Type") + " " + in);
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

    private static ProxyConfig config(int port) throws Exception {
        return ProxyConfig.parse(MAPPER.readTree("{\"name\": \"proxy1\", \"controller\": {\"url\": "
                + "\"http://127.0.0.1:" + port + "/onos/tcp-bypass/\", \"user\": \"onos\", \"password\": \"rocks\", "
                + "\"requestTimeoutMillis\": 300}, \"listeners\": [{\"listen\": \"127.0.0.1:8000\", "
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
    public void postsWithBasicAuthAndReadsTheRecord() throws Exception {
        answer(201, "{\"id\": \"17\", \"state\": \"OFFLOADING\", \"reason\": null, \"translation\": {}}");
        OffloadClient.Record r = client(server.getAddress().getPort()).request(offload());
        assertEquals("17", r.id);
        assertEquals("OFFLOADING", r.state);
        assertNull(r.reason);
        String auth = "Basic " + Base64.getEncoder().encodeToString("onos:rocks".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("POST /onos/tcp-bypass/offloads " + auth + " application/json {\"proxy\":\"proxy1\"}"),
                     seen);
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
    public void releasesAndReportsInTheBackground() throws Exception {
        answer(200, "{\"accepted\": 1}");
        OffloadClient c = client(server.getAddress().getPort());
        assertEquals(Integer.valueOf(200), c.release("17").get(5, TimeUnit.SECONDS));
        assertEquals(Integer.valueOf(200), c.report(offload()).get(5, TimeUnit.SECONDS));
        assertThat(seen.get(0), containsString("DELETE /onos/tcp-bypass/offloads/17 "));
        assertThat(seen.get(1), containsString("POST /onos/tcp-bypass/connections "));
    }

    private void fails(String expected, int expectedStatus, OffloadClient c) throws Exception {
        try {
            c.request(offload());
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
        answer(200, "{\"id\": \"1\", \"state\": \"OFFLOADING\"}");
        fails("answered 200", 200, c);
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
    public void refusedConnectionIsAControllerException() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        fails("POST /onos/tcp-bypass/offloads failed: java.net.ConnectException", 0, client(port));
    }
}
