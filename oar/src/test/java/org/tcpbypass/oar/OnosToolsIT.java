package org.tcpbypass.oar;

import com.sun.net.httpserver.HttpServer;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * The helper scripts that install the app and push netcfg speak ONOS's REST API: checked against a local
 * server standing in for ONOS on 127.0.0.1.
 */
public class OnosToolsIT {

    /** One request as the stand-in ONOS saw it. */
    private static final class Seen {
        final String method;
        final String uri;
        final String auth;
        final String contentType;
        final byte[] body;

        Seen(String method, String uri, String auth, String contentType, byte[] body) {
            this.method = method;
            this.uri = uri;
            this.auth = auth;
            this.contentType = contentType;
            this.body = body;
        }
    }

    private final List<Seen> seen = new ArrayList<>();
    private HttpServer onos;
    private File root;

    @Before
    public void startOnos() throws IOException {
        root = new File(System.getProperty("repo.root"));
        onos = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        onos.createContext("/onos/v1/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            synchronized (seen) {
                seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
                                  exchange.getRequestHeaders().getFirst("Authorization"),
                                  exchange.getRequestHeaders().getFirst("Content-Type"), body));
            }
            boolean delete = exchange.getRequestMethod().equals("DELETE");
            byte[] answer = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(delete ? 404 : 200, delete ? -1 : answer.length);
            if (!delete) {
                exchange.getResponseBody().write(answer);
            }
            exchange.close();
        });
        onos.start();
    }

    @After
    public void stopOnos() {
        onos.stop(0);
    }

    private String host() {
        return "127.0.0.1:" + onos.getAddress().getPort();
    }

    private int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(root).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue("timed out: " + Arrays.toString(command), p.waitFor(30, TimeUnit.SECONDS));
        System.out.println(new String(out, StandardCharsets.UTF_8));
        return p.exitValue();
    }

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    public void installReplacesAndActivatesTheApp() throws Exception {
        File oar = new File(System.getProperty("oar.file"));
        assertEquals(0, run("tools/onos-app-install", "-u", "karaf:karaf", host(), oar.getPath()));
        assertEquals(2, seen.size());
        assertEquals("DELETE", seen.get(0).method);
        assertEquals("/onos/v1/applications/org.tcpbypass", seen.get(0).uri);
        Seen install = seen.get(1);
        assertEquals("POST", install.method);
        assertEquals("/onos/v1/applications?activate=true", install.uri);
        assertEquals(basic("karaf:karaf"), install.auth);
        assertEquals("application/octet-stream", install.contentType);
        assertArrayEquals(Files.readAllBytes(oar.toPath()), install.body);
    }

    @Test
    public void netcfgPostsTheFile() throws Exception {
        File netcfg = new File(root, "tools/netcfg-example.json");
        assertEquals(0, run("tools/onos-netcfg", host(), netcfg.getPath()));
        assertEquals(1, seen.size());
        assertEquals("POST", seen.get(0).method);
        assertEquals("/onos/v1/network/configuration", seen.get(0).uri);
        assertEquals(basic("onos:rocks"), seen.get(0).auth);
        assertEquals("application/json", seen.get(0).contentType);
        assertArrayEquals(Files.readAllBytes(netcfg.toPath()), seen.get(0).body);
    }

    @Test
    public void missingArchiveIsAClearErrorAndSendsNothing() throws Exception {
        assertEquals(2, run("tools/onos-app-install", host(), "/nonexistent/tcp-bypass.oar"));
        assertTrue(seen.isEmpty());
    }

    @Test
    public void refusedInstallFails() throws Exception {
        onos.removeContext("/onos/v1/");
        onos.createContext("/onos/v1/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] answer = "{\"code\":401,\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(401, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        File oar = new File(System.getProperty("oar.file"));
        assertEquals("curl --fail-with-body exits 22 on an HTTP error",
                     22, run("tools/onos-app-install", host(), oar.getPath()));
    }
}
