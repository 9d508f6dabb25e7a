package org.tcpbypass.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.BeforeClass;
import org.junit.Test;
import org.tcpbypass.proxy.linux.Segment;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

/**
 * Hand-offs in network namespaces against a stand-in controller: the state read at hand-off equals what a packet
 * capture of the same connection shows, the proxy closes silently, and every refusal, error or timeout resumes
 * relaying byte-exact.
 */
public class HandoffNetnsTest {
    private static final InetSocketAddress VIP = new InetSocketAddress(Netns.PROXY_CLIENT_SIDE_IP, 8000);
    private static final InetSocketAddress SERVER = new InetSocketAddress(Netns.SERVER_IP, 9000);
    private static final long MOD = 1L << 32;

    @BeforeClass
    public static void namespaces() throws IOException {
        Netns.assumeAvailable();
    }

    private static ProxyProcess proxy(Netns n, FakeController c, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--listen", VIP.getAddress().getHostAddress() + ":8000", "--backend", Netns.SERVER_IP + ":9000",
                "--name", "proxy1", "--device-id", "device:bmv2:s1", "--controller-url", c.url(),
                "--controller-user", "karaf", "--controller-password", "karaf-pw", "--offload-bytes", "262144",
                "--report-interval", "200", "--metrics-interval", "0", "--nft-table", "tbp_test", "--verbose"));
        if (!List.of(extra).contains("--offload")) {
            args.addAll(List.of("--offload", "bytes"));
        }
        args.addAll(List.of(extra));
        ProxyProcess p = ProxyProcess.inNamespace(n.proxy, args.toArray(new String[0]));
        assertTrue(p.output(), p.listening());
        return p;
    }

    @Test
    public void handOffStateEqualsTheCaptureAndTheProxyClosesSilently() throws Exception {
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(FakeController.offloads(
                    r -> r.method.equals("POST") ? FakeController.record(201, "17", "OFFLOADING", null)
                            : FakeController.record(200, "17", "BYPASSED", null))));
                 Traffic.Server server = new Traffic.Server(sp, SERVER, 1000);
                 Capture capture = new Capture(n.proxy, VIP, SERVER);
                 ProxyProcess proxy = proxy(n, controller)) {
                Future<Traffic.Result> client = cp.submit(() -> Traffic.client(cp, VIP, 1, 64 << 20, 64 << 20, 1000));
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!proxy.output().contains("handed off") && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                assertThat(proxy.output(), containsString("as bypass 17"));
                Thread.sleep(700);
                capture.close();

                List<FakeController.Request> posts = controller.requests("POST", "/offloads");
                assertEquals(1, posts.size());
                FakeController.Request post = posts.get(0);
                assertEquals("Basic " + Base64.getEncoder().encodeToString("karaf:karaf-pw".getBytes()),
                             post.authorization);
                JsonNode o = post.json();
                assertEquals("proxy1", o.get("proxy").asText());
                assertEquals("device:bmv2:s1", o.get("deviceId").asText());
                InetSocketAddress c = endpoint(o.get("client"));
                InetSocketAddress p = endpoint(o.get("proxyAddress"));
                assertEquals(Netns.CLIENT_IP, c.getAddress().getHostAddress());
                assertEquals(VIP, endpoint(o.get("vip")));
                assertEquals(Netns.PROXY_SERVER_SIDE_IP, p.getAddress().getHostAddress());
                assertEquals(SERVER, endpoint(o.get("server")));
                List<FakeController.Request> gets = controller.requests("GET", "/offloads/17");
                assertFalse(gets.isEmpty());
                assertThat(gets.get(0).query, containsString("wait="));
                assertTrue(controller.requests("DELETE", "/offloads").isEmpty());

                StringBuilder tail = new StringBuilder();
                List<Segment> all = capture.segments();
                for (Segment s : all.subList(Math.max(0, all.size() - 30), all.size())) {
                    tail.append('\n').append(s);
                }
                System.out.println("hand-off request: " + o + "\nlast segments:" + tail);
                checkLeg("client leg", o.get("clientLeg"), capture, c, VIP);
                checkLeg("server leg", o.get("serverLeg"), capture, SERVER, p);
                for (Segment s : capture.segments()) {
                    boolean fromProxy = s.isFrom(VIP, c) || s.isFrom(p, SERVER);
                    assertFalse("proxy sent FIN or RST: " + s,
                                fromProxy && (s.flags & (Segment.FIN | Segment.RST)) != 0);
                }
                assertFalse("client must not have finished: the proxy vanished silently", client.isDone());
                List<FakeController.Request> reports = controller.requests("POST", "/connections");
                assertFalse("connections reported", reports.isEmpty());
                JsonNode opened = reports.get(0).json().get("opened").get(0);
                assertEquals(c, endpoint(opened.get("client")));
                assertEquals(p, endpoint(opened.get("proxyAddress")));
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    /** Compares one leg of the request with the capture; {@code peer} is the proxy's peer on that leg. */
    private static void checkLeg(String leg, JsonNode l, Capture capture, InetSocketAddress peer,
                                 InetSocketAddress local) {
        List<Segment> in = capture.from(peer, local);
        List<Segment> out = capture.from(local, peer);
        assertFalse(leg + ": nothing captured from " + peer + " to " + local + " among "
                            + capture.segments().size() + " segments, e.g. "
                            + capture.segments().stream().limit(3).map(Segment::toString).reduce("", String::concat),
                    in.isEmpty() || out.isEmpty());
        Segment syn = (in.get(0).flags & Segment.SYN) != 0 ? in.get(0) : out.get(0);
        Segment synAck = syn == in.get(0) ? out.get(0) : in.get(0);
        boolean peerOpened = syn == in.get(0);
        Segment peerSyn = peerOpened ? syn : synAck;
        Segment localSyn = peerOpened ? synAck : syn;
        assertTrue(leg + " handshake captured", (syn.flags & Segment.SYN) != 0 && (synAck.flags & Segment.SYN) != 0);
        assertEquals(leg + " peerWindowShift", peerSyn.windowShift, l.get("peerWindowShift").asInt());
        assertEquals(leg + " localWindowShift", localSyn.windowShift, l.get("localWindowShift").asInt());
        assertEquals(leg + " mss", peerSyn.mss, l.get("mss").asInt());
        assertEquals(leg + " sackPermitted", peerSyn.sackPermitted && localSyn.sackPermitted,
                     l.get("sackPermitted").asBoolean());
        assertTrue(leg + " timestamps", l.get("timestamps").asBoolean());

        long sndNxt = l.get("sndNxt").asLong();
        long rcvNxt = l.get("rcvNxt").asLong();
        assertEquals(leg + " sndNxt: end of the proxy's data", highestEnd(out, localSyn.seq), sndNxt);
        assertEquals(leg + " sndNxt: all acknowledged by the peer", highestAck(in, localSyn.seq), sndNxt);
        assertEquals(leg + " rcvNxt: the proxy's last ACK", highestAck(out, peerSyn.seq), rcvNxt);
        List<Long> pureAckTsVals = new ArrayList<>();
        for (Segment s : in) {
            if (!s.occupiesSequence()) {
                pureAckTsVals.add(s.tsVal);
            }
        }
        // the capture keeps arrival order: the peer's newest pure ACK before the proxy's window probe
        long newestBeforeProbe = -1;
        boolean probed = false;
        for (Segment s : capture.segments()) {
            if (s.isFrom(local, peer) && s.payloadLength == 0 && s.seq == Math.floorMod(sndNxt - 1, MOD)) {
                probed = true;
                break;
            }
            if (s.isFrom(peer, local) && !s.occupiesSequence()
                    && (newestBeforeProbe < 0 || (int) (s.tsVal - newestBeforeProbe) > 0)) {
                newestBeforeProbe = s.tsVal;
            }
        }
        assertTrue(leg + ": the proxy's window probe (seq sndNxt - 1) was captured", probed);
        long peerTsVal = l.get("peerTsVal").asLong();
        assertThat(leg + " peerTsVal is the TSval of one of the peer's pure ACKs", pureAckTsVals, hasItem(peerTsVal));
        // Linux stamps segments with departure times, so one peer's TSvals on the wire are monotonic only
        // within a few ms: the proxy's value is at least the newest pure ACK before its probe (the answer's is
        // newer), and never ahead of what the peer sends later.
        assertThat(leg + " peerTsVal is not older than the peer's pure ACKs before the probe",
                   (long) (int) (peerTsVal - newestBeforeProbe), greaterThanOrEqualTo(0L));
        long lastPeerTs = in.get(in.size() - 1).tsVal;
        assertThat(leg + " peerTsVal is not ahead of the peer's clock after the hand-off", lastPeerTs,
                   greaterThanOrEqualTo(peerTsVal));
        long lastLocalTs = 0;
        for (Segment s : out) {
            lastLocalTs = Math.max(lastLocalTs, s.tsVal);
        }
        long tsVal = l.get("tsVal").asLong();
        assertThat(leg + " tsVal continues the proxy's clock", tsVal, greaterThanOrEqualTo(lastLocalTs));
        assertThat(leg + " tsVal continues the proxy's clock", tsVal - lastLocalTs, lessThan(2000L));
    }

    private static long offset(long seq, long isn) {
        return Math.floorMod(seq - isn, MOD);
    }

    private static long highestEnd(List<Segment> segments, long isn) {
        long best = 0;
        for (Segment s : segments) {
            if (s.occupiesSequence()) {
                best = Math.max(best, offset(s.seq + s.payloadLength + ((s.flags & Segment.SYN) != 0 ? 1 : 0), isn));
            }
        }
        return (isn + best) % MOD;
    }

    private static long highestAck(List<Segment> segments, long isn) {
        long best = 0;
        for (Segment s : segments) {
            if ((s.flags & Segment.ACK) != 0) {
                best = Math.max(best, offset(s.ack, isn));
            }
        }
        return (isn + best) % MOD;
    }

    private static InetSocketAddress endpoint(JsonNode e) {
        return new InetSocketAddress(e.get("ip").asText(), e.get("port").asInt());
    }

    @Test
    public void everyRefusalErrorAndTimeoutResumesRelayingByteExact() throws Exception {
        AtomicInteger posts = new AtomicInteger();
        Function<FakeController.Request, FakeController.Answer> behaviour = r -> {
            if (r.method.equals("DELETE")) {
                return FakeController.record(200, r.path.substring("/offloads/".length()), "RELEASED", null);
            }
            if (r.method.equals("GET")) {
                String id = r.path.substring("/offloads/".length());
                return FakeController.record(200, id, id.equals("failed") ? "FAILED" : "OFFLOADING",
                                             id.equals("failed") ? "device offline" : null);
            }
            switch (posts.getAndIncrement()) {
                case 0:
                    return new FakeController.Answer(403, "{\"message\": \"not a registered proxy\"}", 0);
                case 1:
                    return new FakeController.Answer(500, "{\"message\": \"boom\"}", 0);
                case 2:
                    return FakeController.record(201, "failed", "OFFLOADING", null);
                case 3:
                    return new FakeController.Answer(201, "not json", 0);
                case 4:
                    return FakeController.record(201, "stuck", "OFFLOADING", null);
                default:
                    return new FakeController.Answer(201, "{}", 1500);
            }
        };
        int connections = 6;
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(
                    FakeController.offloads(behaviour)));
                 Traffic.Server server = new Traffic.Server(sp, SERVER, 500);
                 ProxyProcess proxy = proxy(n, controller, "--offload-timeout", "1000", "--request-timeout",
                                            "500")) {
                List<Future<Traffic.Result>> results = new ArrayList<>();
                for (int i = 0; i < connections; i++) {
                    long seed = 10 + i;
                    results.add(cp.submit(() -> Traffic.client(cp, VIP, seed, 4 << 20, 4 << 20, 500)));
                    Thread.sleep(150);
                }
                for (Future<Traffic.Result> f : results) {
                    Traffic.Result r = f.get(120, TimeUnit.SECONDS);
                    assertTrue("download differs after fallback", r.downloadIntact);
                    assertTrue("upload differs after fallback", r.uploadIntact);
                }
                assertEquals(List.of(), server.errors);
                assertEquals(connections, controller.requests("POST", "/offloads").size());
                List<String> deleted = new ArrayList<>();
                for (FakeController.Request r : controller.requests("DELETE", "/offloads/")) {
                    deleted.add(r.path);
                }
                assertEquals("only the bypass that outlived the deadline is released", List.of("/offloads/stuck"),
                             deleted);
                proxy.close();
                assertThat(proxy.output(), containsString("fallbacks=" + connections));
                assertThat(proxy.output(), containsString("answered 403"));
                assertThat(proxy.output(), containsString("answered 500"));
                assertThat(proxy.output(), containsString("is FAILED (device offline)"));
                assertThat(proxy.output(), containsString("answer is not JSON"));
                assertThat(proxy.output(), containsString("timed out"));
                assertTrue("nft table removed at exit", nftTables(n).isEmpty());
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    @Test
    public void unreachableControllerResumesRelaying() throws Exception {
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            FakeController closed = Netns.in(n.proxy, () -> new FakeController(r -> null));
            closed.close();
            try (Traffic.Server server = new Traffic.Server(sp, SERVER, 0);
                 ProxyProcess proxy = proxy(n, closed)) {
                Traffic.Result r = cp.submit(() -> Traffic.client(cp, VIP, 3, 2 << 20, 2 << 20, 200))
                        .get(60, TimeUnit.SECONDS);
                assertTrue(r.downloadIntact);
                assertTrue(r.uploadIntact);
                proxy.close();
                assertThat(proxy.output(), containsString("fallbacks=1"));
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    /** Stall of refused hand-offs under continuous traffic both ways; p50/p99 to target/proxy-figures.txt. */
    @Test
    public void fallbackStallUnderContinuousTraffic() throws Exception {
        int connections = 16;
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(FakeController.offloads(
                    r -> new FakeController.Answer(409, "{\"message\": \"already offloaded\"}", 0))));
                 Traffic.Server server = new Traffic.Server(sp, SERVER, 1000);
                 ProxyProcess proxy = proxy(n, controller)) {
                List<Future<Traffic.Result>> results = new ArrayList<>();
                for (int i = 0; i < connections; i++) {
                    long seed = 40 + i;
                    results.add(cp.submit(() -> Traffic.client(cp, VIP, seed, 8 << 20, 8 << 20, 1000)));
                }
                double[] stalls = new double[connections];
                for (int i = 0; i < connections; i++) {
                    Traffic.Result r = results.get(i).get(120, TimeUnit.SECONDS);
                    assertTrue(r.downloadIntact);
                    assertTrue(r.uploadIntact);
                    stalls[i] = r.downloadGapNanos / 1e6;
                }
                double[] upload = server.gaps.stream().mapToDouble(g -> g / 1e6).sorted().toArray();
                Arrays.sort(stalls);
                proxy.close();
                System.out.println(proxy.output());
                assertThat(proxy.output(), containsString("fallbacks=" + connections));
                String freeze = proxy.output().replaceAll("(?s).*(freeze ms [^;]*);.*", "$1");
                RelayNetnsTest.Figures.record(String.format(Locale.ROOT,
                        "fallback: %d concurrent connections, 8 MiB each way at ~16 MB/s, each hand-off refused (409):"
                                + " longest gap per connection, download p50=%.0f ms p99=%.0f ms, upload p50=%.0f ms"
                                + " p99=%.0f ms; proxy %s", connections, Metrics.percentile(stalls, 50),
                        Metrics.percentile(stalls, 99), Metrics.percentile(upload, 50),
                        Metrics.percentile(upload, 99), freeze));
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    @Test
    public void policiesDecideWhenToHandOff() throws Exception {
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(FakeController.offloads(
                    r -> new FakeController.Answer(403, "{}", 0))));
                 Traffic.Server server = new Traffic.Server(sp, SERVER, 0);
                 ProxyProcess proxy = proxy(n, controller, "--offload", "handshake")) {
                cp.submit(() -> {
                    try (Socket s = new Socket(VIP.getAddress(), VIP.getPort())) {
                        waitForPosts(controller, 1);
                        assertEquals("handshake: offered right after connecting", 1, posts(controller));
                    }
                    return null;
                }).get(30, TimeUnit.SECONDS);
            }
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(FakeController.offloads(
                    r -> new FakeController.Answer(403, "{}", 0))));
                 Traffic.Server server = new Traffic.Server(sp, SERVER, 0);
                 ProxyProcess proxy = proxy(n, controller, "--offload", "first-exchange")) {
                cp.submit(() -> {
                    try (Socket s = new Socket(VIP.getAddress(), VIP.getPort())) {
                        s.getOutputStream().write(ByteBuffer.allocate(16).putLong(0).putLong(1).array());
                        Thread.sleep(400);
                        assertEquals("first-exchange: not after the request alone", 0, posts(controller));
                    }
                    try (Socket s = new Socket(VIP.getAddress(), VIP.getPort())) {
                        s.getOutputStream().write(ByteBuffer.allocate(16).putLong(100).putLong(1).array());
                        assertEquals(100, s.getInputStream().readNBytes(100).length);
                        waitForPosts(controller, 1);
                        assertEquals("first-exchange: after request and response", 1, posts(controller));
                    }
                    return null;
                }).get(30, TimeUnit.SECONDS);
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    private static int posts(FakeController c) {
        return c.requests("POST", "/offloads").size();
    }

    private static void waitForPosts(FakeController c, int count) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (posts(c) < count && System.nanoTime() < end) {
            Thread.sleep(10);
        }
    }

    private static String nftTables(Netns n) throws IOException {
        return Netns.exec(n.proxy, "nft", "list", "tables").trim();
    }

}
