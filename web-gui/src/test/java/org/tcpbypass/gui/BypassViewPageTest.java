package org.tcpbypass.gui;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableMap;
import com.sun.net.httpserver.HttpServer;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.onosproject.ui.JsonUtils;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.easymock.EasyMock.createMock;
import static org.easymock.EasyMock.expect;
import static org.easymock.EasyMock.replay;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThat;
import static org.junit.Assume.assumeTrue;
import static org.tcpbypass.gui.SampleBypasses.NOW;

/**
 * The view's page (its own html, js and css) and the overlay script in headless Chromium, inside harness pages that
 * stand in for the ONOS UI framework; the view's harness answers with what the real message handler produced for
 * sample records. Skipped when Chromium is not installed (Debian package {@code chromium}).
 */
public class BypassViewPageTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String ANGULAR = "META-INF/resources/webjars/angularjs/1.3.15/angular.js";
    private static final long CHROMIUM_TIMEOUT_S = 120;

    private static String chromium;
    private static HttpServer server;
    private static String sampleJs;

    @BeforeClass
    public static void setUp() throws Exception {
        chromium = findOnPath("chromium", "chromium-browser");
        assumeTrue("chromium not on PATH: skipping the page test (install Debian's chromium package)",
                   chromium != null);
        sampleJs = "window.harnessReplies = " + MAPPER.writeValueAsString(replies()) + ";\n";
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = content(exchange.getRequestURI().getPath());
            exchange.getResponseHeaders().set("Content-Type", contentType(exchange.getRequestURI().getPath()));
            exchange.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
            if (body != null) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
    }

    @AfterClass
    public static void tearDown() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** What the real handler answers, per request type: the table of the sample records and a release. */
    private static ObjectNode replies() {
        BypassService service = createMock(BypassService.class);
        service.addListener(org.easymock.EasyMock.anyObject());
        expect(service.bypasses()).andReturn(SampleBypasses.all()).anyTimes();
        expect(service.statistics()).andReturn(new BypassStatistics(
                ImmutableMap.of(BypassState.PROXIED, 1L, BypassState.OFFLOADING, 1L, BypassState.BYPASSED, 2L,
                                BypassState.FAILED, 1L),
                1370, 1_652_864, 2, 40, 60, 90, ImmutableMap.of())).anyTimes();
        expect(service.release(BypassId.of(2), BypassViewMessageHandler.RELEASE_REASON))
                .andReturn(SampleBypasses.all().get(1).withState(BypassState.RELEASED, "released", NOW));
        replay(service);
        FakeUiConnection connection = new FakeUiConnection();
        BypassViewMessageHandler handler = new BypassViewMessageHandler(
                service, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
        handler.init(connection, null);
        handler.process(JsonUtils.envelope(BypassViewMessageHandler.TABLE_REQ, MAPPER.createObjectNode()));
        handler.process(JsonUtils.envelope(BypassViewMessageHandler.RELEASE_REQ,
                                           MAPPER.createObjectNode().put("id", "2")));
        ObjectNode replies = MAPPER.createObjectNode();
        replies.set(BypassViewMessageHandler.TABLE_REQ, connection.sent().get(0));
        replies.set(BypassViewMessageHandler.RELEASE_REQ, connection.sent().get(1));
        return replies;
    }

    private static byte[] content(String path) throws IOException {
        if (path.equals("/sample.js")) {
            return sampleJs.getBytes(StandardCharsets.UTF_8);
        }
        // the harness pages sit at the root, where the view's relative paths (app/view/...) resolve as in ONOS
        String resource = path.equals("/angular.js") ? ANGULAR
                : path.matches("/\\w+\\.html") ? "harness" + path : path.substring(1);
        if (resource.contains("..")) {
            return null;
        }
        try (InputStream in = BypassViewPageTest.class.getClassLoader().getResourceAsStream(resource)) {
            return in == null ? null : in.readAllBytes();
        }
    }

    private static String contentType(String path) {
        return path.endsWith(".html") ? "text/html; charset=utf-8"
                : path.endsWith(".css") ? "text/css; charset=utf-8"
                : "application/javascript; charset=utf-8";
    }

    private static String findOnPath(String... names) {
        String path = System.getenv("PATH");
        for (String name : names) {
            for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
                File f = new File(dir, name);
                if (f.canExecute()) {
                    return f.getPath();
                }
            }
        }
        return null;
    }

    private static String url(String scenario) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/harness.html?scenario=" + scenario;
    }

    /** Runs headless Chromium with a fresh profile; returns its standard output. */
    private static String chromium(String... args) throws Exception {
        Path profile = Files.createTempDirectory("tcp-bypass-chromium");
        List<String> cmd = new ArrayList<>(Arrays.asList(
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--virtual-time-budget=10000"));
        cmd.addAll(Arrays.asList(args));
        Path out = Files.createTempFile("chromium", ".out");
        Path err = Paths.get("target", "chromium-" + System.nanoTime() + ".log");
        Files.createDirectories(err.getParent());
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(CHROMIUM_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("chromium did not finish within " + CHROMIUM_TIMEOUT_S + " s; see " + err);
            }
            assertThat("chromium exit status; see " + err, p.exitValue(), is(0));
            return new String(Files.readAllBytes(out), StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private static int count(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    public void rowsSummaryAndReleaseWorkInTheBrowser() throws Exception {
        String dom = chromium("--dump-dom", url("interact"));
        Files.write(Paths.get("target", "web-gui-dom.html"), dom.getBytes(StandardCharsets.UTF_8));
        assertThat("harness did not finish", dom, containsString("data-harness=\"done\""));

        assertThat(count(dom, "<tr [^>]*class=\"[^\"]*tcp-bypass-row"), is(5));
        assertThat(dom, containsString("<td class=\"ng-binding\">198.18.1.2:40002 \u2192 198.18.0.1:80</td>"));
        assertThat(dom, containsString("<td class=\"ng-binding\">198.18.0.1:50002 \u2192 198.18.2.2:8080</td>"));
        assertThat(dom, containsString("<td class=\"ng-binding\">device:bmv2:s1</td>"));
        assertThat(dom, containsString("<td class=\"number ng-binding\">1.5 MB</td>"));
        assertThat(dom, containsString("<td class=\"number ng-binding\">2m 05s</td>"));
        assertThat(count(dom, "class=\"[^\"]*state-bypassed[^\"]*\""), is(2));
        assertThat(count(dom, "class=\"[^\"]*state-failed[^\"]*\""), is(1));
        assertThat(count(dom, "class=\"[^\"]*tcp-bypass-row[^\"]*selected"), is(1));

        assertThat(dom, containsString("id=\"tcp-bypass-proxied\" class=\"ng-binding\">1</b>"));
        assertThat(dom, containsString("id=\"tcp-bypass-bypassed\" class=\"ng-binding\">2</b>"));
        assertThat(dom, containsString("id=\"tcp-bypass-saved\" class=\"ng-binding\">1.58 MB</b>"));
        assertThat(dom, containsString("TCP Bypass (5 total)"));

        assertThat(dom, containsString("icon nav_tcpBypass -&gt; chain"));
        // the initial request, the server's refresh push, and the refresh after the release
        assertThat(count(dom, "sent tcpBypassDataRequest"), is(3));
        assertThat(dom, containsString("sent tcpBypassReleaseRequest {\"id\":\"2\"}"));
        assertThat(dom, containsString("flash Connection 2 released"));
    }

    @Test
    public void overlayRegistersStartsStopsAndOpensTheViewForASwitch() throws Exception {
        String dom = chromium("--dump-dom",
                              "http://127.0.0.1:" + server.getAddress().getPort() + "/topov.html");
        assertThat("harness did not finish", dom, containsString("data-harness=\"done\""));
        assertThat(dom, containsString("registered tcpBypass-overlay glyph chain buttons showTcpBypasses\n"
                + "sent tcpBypassTopoStart {}\n"
                + "navTo tcpBypass {\"devId\":\"device:bmv2:s1\"}\n"
                + "sent tcpBypassTopoStop {}</pre>"));
    }

    @Test
    public void screenshotOfTheView() throws Exception {
        Path png = Paths.get("target", "web-gui.png").toAbsolutePath();
        Files.deleteIfExists(png);
        chromium("--window-size=1280,360", "--hide-scrollbars", "--screenshot=" + png, url("shot"));
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes.length, greaterThan(10_000));
        assertThat(Arrays.copyOf(bytes, 8), is(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}));
    }
}
