package org.tcpbypass.rest;

import com.google.common.collect.ImmutableMap;
import org.glassfish.jersey.client.ClientProperties;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.test.JerseyTest;
import org.glassfish.jersey.test.TestProperties;
import org.glassfish.jersey.test.jetty.JettyTestContainerFactory;
import org.glassfish.jersey.test.spi.TestContainerFactory;
import org.junit.Before;
import org.junit.Test;
import org.onlab.junit.TestUtils;
import org.onlab.osgi.TestServiceDirectory;
import org.onlab.rest.AuthorizationFilter;
import org.onlab.rest.BaseResource;
import org.onosproject.codec.CodecService;
import org.onosproject.net.DeviceId;
import org.onosproject.net.flow.FlowEntry;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassListener;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionReport;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.OffloadOutcome;
import org.tcpbypass.api.OffloadRequest;
import org.tcpbypass.api.RegisteredProxy;
import org.tcpbypass.api.TcpEndpoint;
import org.tcpbypass.codec.TestCodecService;

import javax.ws.rs.GET;
import javax.ws.rs.Produces;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assume.assumeTrue;

/**
 * The app's page, {@code /onos/tcp-bypass/ui/}, served by the app's real REST application (its resources, ONOS's
 * filters and the real codecs) in Jetty (at the root: Jersey's Jetty container takes no context path; the page's
 * links are relative), over a bypass service holding sample records; driven in headless Chromium (Debian package
 * {@code chromium}; the browser tests are skipped without it).
 */
public class UiPageTest extends JerseyTest {

    private static final long CHROMIUM_TIMEOUT_S = 120;

    private SampleService service;

    /** The harness page, served beside the page so it may look into the page's frame. */
    @javax.ws.rs.Path("harness")
    public static class HarnessResource {
        /**
         * Returns the harness page.
         *
         * @return the page
         * @throws IOException never: the page is a test resource
         */
        @GET
        @Produces(MediaType.TEXT_HTML)
        public byte[] harness() throws IOException {
            try (InputStream in = UiPageTest.class.getResourceAsStream("ui-harness.html")) {
                return in.readAllBytes();
            }
        }
    }

    /**
     * Creates the test: the app's REST application plus the harness page, on a free port.
     */
    public UiPageTest() {
        super(ResourceConfig.forApplication(new BypassWebApplication()).register(HarnessResource.class));
        set(TestProperties.CONTAINER_PORT, 0);
        AuthorizationFilter.disableForTests();
    }

    @Override
    protected TestContainerFactory getTestContainerFactory() {
        return new JettyTestContainerFactory();
    }

    @Before
    public void setUpServices() throws Exception {
        service = new SampleService();
        TestServiceDirectory directory = new TestServiceDirectory()
                .add(BypassService.class, service)
                .add(CodecService.class, TestCodecService.withBypassCodecs());
        TestUtils.setField(BaseResource.class, "services", directory);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + getPort() + "/" + path;
    }

    @Test
    public void pageAndItsFilesAreServed() {
        Response page = target("ui/").request().get();
        assertEquals(200, page.getStatus());
        assertEquals("text/html;charset=utf-8", page.getMediaType().toString());
        String html = page.readEntity(String.class);
        assertThat(html, containsString("<script src=\"tcp-bypass.js\"></script>"));
        assertThat("nothing from elsewhere", html, not(containsString("//")));
        assertEquals("application/javascript;charset=utf-8",
                     target("ui/tcp-bypass.js").request().get().getMediaType().toString());
        assertEquals("text/css;charset=utf-8",
                     target("ui/tcp-bypass.css").request().get().getMediaType().toString());
    }

    @Test
    public void pageWithoutTheTrailingSlashRedirectsToIt() {
        Response response = target("ui").property(ClientProperties.FOLLOW_REDIRECTS, false).request().get();
        assertEquals(301, response.getStatus());
        assertEquals(target("ui/").getUri(), response.getLocation());
    }

    @Test
    public void onlyThePagesOwnFilesAreServed() {
        for (String path : List.of("ui/missing.js", "ui/UiWebResource.class", "ui/..%2FUiWebResource.class",
                                   "ui/index.html.bak")) {
            assertEquals(path, 404, target(path).request().get().getStatus());
        }
    }

    @Test
    public void pageShowsConnectionsAndCountersAndReleasesThroughDelete() throws Exception {
        String chromium = chromium();
        assumeTrue("chromium not on PATH: skipping the page test (install Debian's chromium package)",
                   chromium != null);
        String dom = run(chromium, "--dump-dom", url("harness"));
        Files.write(Paths.get("target", "ui-page-dom.html"), dom.getBytes(StandardCharsets.UTF_8));
        assertThat("harness did not finish", dom, containsString("data-harness=\"done\""));
        String before = section(dom, "before");
        String after = section(dom, "after");

        assertThat(before, containsString("counter proxied = 1\ncounter offloading = 1\ncounter bypassed = 2\n"
                + "counter released = 1\ncounter failed = 1\ncounter bypassed by the switch = 1.58 MB\n"
                + "counter hand-offs = 4\ncounter hand-off p50 / p99 = 40 / 90 ms\n"));
        // live records only, in id order, each with its release button
        assertThat(rows(before), is(List.of(
                "row state-proxied | 1 | PROXIED | 198.18.1.1:40001 → 198.18.0.100:80 | 198.18.0.2:50001 → "
                        + "198.18.2.1:8080 | proxy1 | device:bmv2:s1 | 0 B | AGE |  | Release",
                "row state-bypassed | 2 | BYPASSED | 198.18.1.2:40002 → 198.18.0.100:80 | 198.18.0.2:50002 → "
                        + "198.18.2.2:8080 | proxy1 | device:bmv2:s1 | 1.5 MB | AGE |  | Release",
                "row state-bypassed | 3 | BYPASSED | 198.18.1.3:40003 → 198.18.0.100:80 | 198.18.0.2:50003 → "
                        + "198.18.2.3:8080 | proxy1 | device:bmv2:s2 | 80 kB | AGE |  | Release",
                "row state-offloading | 10 | OFFLOADING | 198.18.1.10:40010 → 198.18.0.100:80 | 198.18.0.2:50010"
                        + " → 198.18.2.10:8080 | proxy1 | device:bmv2:s2 | 0 B | AGE |  | Release")));
        // ages from the records' creation to the browser's (virtual) clock: seconds, minutes, hours
        assertThat(before, matchesPattern("(?s).*\\| 1 \\| PROXIED .*\\| \\d{1,2}s \\|.*"));
        assertThat(before, matchesPattern("(?s).*\\| 2 \\| BYPASSED .*\\| 2m \\d\\ds \\|.*"));
        assertThat(before, matchesPattern("(?s).*\\| 3 \\| BYPASSED .*\\| 2h 00m \\|.*"));

        assertEquals("one DELETE /offloads/2", List.of(BypassId.of(2)), service.released);
        assertEquals(List.of(OffloadWebResource.RELEASE_REASON), service.reasons);
        assertThat(after, containsString("counter bypassed = 1\ncounter released = 2\n"));
        assertThat(after, containsString("status Connection 2 released"));
        assertThat(after, not(containsString("| 2 |")));
        assertThat("polled: first reading, a poll, the refresh after the release", service.listed.get(),
                   greaterThanOrEqualTo(3));
    }

    @Test
    public void screenshotOfThePage() throws Exception {
        String chromium = chromium();
        assumeTrue("chromium not on PATH: skipping the screenshot", chromium != null);
        Path png = Paths.get("target", "tcp-bypass-ui.png").toAbsolutePath();
        Files.deleteIfExists(png);
        run(chromium, "--window-size=1280,420", "--hide-scrollbars", "--screenshot=" + png, url("ui/"));
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes.length, greaterThan(10_000));
        assertThat(Arrays.copyOf(bytes, 8), is(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}));
    }

    private static String section(String dom, String id) {
        Matcher m = Pattern.compile("<pre id=\"" + id + "\">(.*?)</pre>", Pattern.DOTALL).matcher(dom);
        assertThat("no " + id + " reading", m.find(), is(true));
        return m.group(1).replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&");
    }

    // Row lines with the age column (which depends on the browser's clock) as AGE.
    private static List<String> rows(String reading) {
        return reading.lines().filter(l -> l.startsWith("row "))
                .map(l -> l.replaceFirst("\\| (\\d+[smhd] ?)(\\d+[smh])? \\|", "| AGE |"))
                .collect(Collectors.toList());
    }

    private static String chromium() {
        String path = System.getenv("PATH");
        for (String name : List.of("chromium", "chromium-browser")) {
            for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
                File f = new File(dir, name);
                if (f.canExecute()) {
                    return f.getPath();
                }
            }
        }
        return null;
    }

    /** Runs headless Chromium with a fresh profile; returns its standard output. */
    private static String run(String chromium, String... args) throws Exception {
        Path profile = Files.createTempDirectory("tcp-bypass-chromium");
        List<String> cmd = new ArrayList<>(List.of(
                chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + profile, "--virtual-time-budget=15000"));
        cmd.addAll(Arrays.asList(args));
        Path out = Files.createTempFile("chromium", ".out");
        Path err = Paths.get("target", "chromium-ui-" + System.nanoTime() + ".log");
        Files.createDirectories(err.getParent());
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(CHROMIUM_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("chromium did not finish within " + CHROMIUM_TIMEOUT_S + " s; see " + err);
            }
            assertThat("chromium exit status; see " + err, p.exitValue(), is(0));
            return Files.readString(out);
        } finally {
            Files.deleteIfExists(out);
            try (Stream<Path> files = Files.walk(profile)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    /**
     * A bypass service holding sample records: one per state, on two switches, with counters and ages; release
     * ends a record and remembers the call.
     */
    static final class SampleService implements BypassService {

        private static final BypassTranslation TRANSLATION = BypassTranslation.of(
                LegState.builder().sndNxt(1000).rcvNxt(5000).mss(1460).build(),
                LegState.builder().sndNxt(9000).rcvNxt(2000).mss(1460).build());
        private static final DeviceId S1 = DeviceId.deviceId("device:bmv2:s1");
        private static final DeviceId S2 = DeviceId.deviceId("device:bmv2:s2");

        final Map<BypassId, Bypass> records = new ConcurrentHashMap<>();
        final List<BypassId> released = new CopyOnWriteArrayList<>();
        final List<String> reasons = new CopyOnWriteArrayList<>();
        final AtomicInteger listed = new AtomicInteger();

        SampleService() {
            long now = System.currentTimeMillis();
            add(record(now, 1, S1, BypassState.PROXIED, 5_000, BypassCounters.ZERO));
            add(record(now, 2, S1, BypassState.BYPASSED, 125_000, BypassCounters.of(1000, 1_000_000, 300, 500_000)));
            add(record(now, 3, S2, BypassState.BYPASSED, 7_200_000, BypassCounters.of(60, 50_000, 10, 30_000)));
            add(record(now, 10, S2, BypassState.OFFLOADING, 3_000, BypassCounters.ZERO));
            add(record(now, 11, S1, BypassState.FAILED, 172_800_000, BypassCounters.ZERO));
            add(record(now, 12, S1, BypassState.RELEASED, 60_000, BypassCounters.ZERO));
        }

        private void add(Bypass b) {
            records.put(b.id(), b);
        }

        private static Bypass record(long now, long id, DeviceId device, BypassState state, long ageMillis,
                                     BypassCounters counters) {
            long created = now - ageMillis;
            ConnectionTuple tuple = ConnectionTuple.of(
                    TcpEndpoint.valueOf("198.18.1." + id + ":" + (40000 + id)),
                    TcpEndpoint.valueOf("198.18.0.100:80"),
                    TcpEndpoint.valueOf("198.18.0.2:" + (50000 + id)),
                    TcpEndpoint.valueOf("198.18.2." + id + ":8080"));
            Bypass b = Bypass.proxied(BypassId.of(id), "proxy1", device, tuple, created);
            if (state == BypassState.PROXIED) {
                return b;
            }
            b = b.offloading(TRANSLATION, created + 1);
            if (state != BypassState.OFFLOADING) {
                b = b.withState(BypassState.BYPASSED, null, created + 2);
            }
            if (state.isFinal()) {
                b = b.withState(state, state == BypassState.FAILED ? "intent failed" : "closed by client",
                                created + 3);
            }
            return b.withCounters(counters);
        }

        @Override
        public Bypass release(BypassId id, String reason) {
            released.add(id);
            reasons.add(reason);
            return records.compute(id, (k, b) -> b.state().isFinal() ? b
                    : b.withState(BypassState.RELEASED, reason, System.currentTimeMillis()));
        }

        @Override
        public Optional<Bypass> release(BypassId id, String reason, BypassState ifState) {
            throw new UnsupportedOperationException("the UI releases in any state");
        }

        @Override
        public Optional<Bypass> cancelOffload(String proxy, String idempotencyKey) {
            throw new UnsupportedOperationException("the UI cancels no offload request");
        }

        @Override
        public Optional<Bypass> bypass(BypassId id) {
            return Optional.ofNullable(records.get(id));
        }

        @Override
        public Collection<Bypass> bypasses() {
            listed.incrementAndGet();
            return List.copyOf(records.values());
        }

        @Override
        public CompletableFuture<Bypass> settled(BypassId id) {
            return CompletableFuture.completedFuture(records.get(id));
        }

        @Override
        public CompletableFuture<Bypass> ended(BypassId id) {
            return CompletableFuture.completedFuture(records.get(id));
        }

        @Override
        public BypassStatistics statistics() {
            Map<BypassState, Long> counts = new EnumMap<>(BypassState.class);
            long bytes = 0;
            long packets = 0;
            for (Bypass b : records.values()) {
                counts.merge(b.state(), 1L, Long::sum);
                bytes += b.counters().bytesToServer() + b.counters().bytesToClient();
                packets += b.counters().packetsToServer() + b.counters().packetsToClient();
            }
            return new BypassStatistics(counts, packets, bytes, 4, 40, 60, 90, ImmutableMap.of("intent failed", 1L));
        }

        @Override
        public Collection<RegisteredProxy> proxies() {
            return List.of();
        }

        @Override
        public Collection<FlowEntry> flowEntries(BypassId id) {
            return List.of();
        }

        @Override
        public Bypass offload(OffloadRequest request) {
            throw new UnsupportedOperationException("the page does not offload");
        }

        @Override
        public OffloadOutcome offload(OffloadRequest request, String idempotencyKey) {
            throw new UnsupportedOperationException("the page does not offload");
        }

        @Override
        public int report(ConnectionReport report) {
            throw new UnsupportedOperationException("the page does not report");
        }

        @Override
        public void addListener(BypassListener listener) {
        }

        @Override
        public void removeListener(BypassListener listener) {
        }
    }
}
