package org.tcpbypass.lab.scenario;

import org.junit.After;
import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;
import org.onosproject.net.flow.FlowEntry;
import org.tcpbypass.lab.Lab;
import org.tcpbypass.lab.LabEnvironment;
import org.tcpbypass.lab.ProxyProcess;
import org.tcpbypass.lab.RealTime;
import org.tcpbypass.lab.net.FramePort;
import org.tcpbypass.lab.net.LabHost;
import org.tcpbypass.lab.net.Netns;
import org.tcpbypass.lab.net.Shell;
import org.tcpbypass.proxy.linux.TcpSocket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.StreamSupport;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_GUARD;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;

/**
 * The six end-to-end scenarios on BMv2 with the real pipeline, proxy and offload path. Each test
 * builds its own lab and tears it down.
 */
public class BypassScenariosTest {

    private static final long MB = 1 << 20;
    /** Five of the lab proxy's metrics intervals (1 s): what it did lately shows in its next metrics line. */
    private static final long METRICS_WAIT_MS = 5_000;
    private static final long TIMEOUT_MS = 180_000;
    private static final int FIN = 0x01;
    private static final int RST = 0x04;
    private static final int ACK = 0x10;
    /** The app's default idle limit (OsgiPropertyConstants), which the lab's controller otherwise lowers to 60 s. */
    private static final int APP_IDLE_TIMEOUT_SECONDS = 432_000;
    /** From the proxy's report of a hand-off (its metrics line, every second) until its own work is surely done. */
    private static final long SETTLE_MS = 1000;

    private Lab lab;
    private final ExecutorService pool = Executors.newCachedThreadPool();
    /**
     * Scenario 7's endpoint applications, real-time (RealTime): they stand for hosts of their own, whose reads and
     * writes do not wait behind the proxy's and the controller's work on the lab's two cores. An ACK of payload they
     * have not read yet waits for the read; on a shared core that wait outlasted their tail-loss probe timeout.
     */
    private final ExecutorService endpoints = Executors.newCachedThreadPool(
            RealTime.threads("endpoint", RealTime.ENDPOINT_PRIORITY));

    @BeforeClass
    public static void needsBmv2() {
        LabEnvironment.bmv2Missing().ifPresent(reason -> Assume.assumeTrue("skipped: " + reason, false));
    }

    @After
    public void tearDown() {
        pool.shutdownNow();
        endpoints.shutdownNow();
        if (lab != null) {
            lab.close();
        }
    }

    static Path repo() {
        return Paths.get(System.getProperty("lab.repo", "../..")).toAbsolutePath().normalize();
    }

    private static String bytesPolicy(long bytes) {
        return "{\"policy\": \"bytes\", \"bytes\": " + bytes + "}";
    }

    /** Scenario 1: 100 MB down and up, hand-off mid-transfer; SHA-256 equal, no RST, proxy idle afterwards. */
    @Test
    public void scenario1BulkDownloadAndUploadHandedOffMidTransfer() throws Exception {
        lab = Lab.start(repo(), Set.of());
        ProxyProcess proxy = lab.startProxy(bytesPolicy(20 * MB), "");
        for (boolean download : new boolean[]{true, false}) {
            long before = proxy.offloaded();
            Transfer t = bulk(download, 100 * MB, proxy, before + 1);
            assertArrayEquals((download ? "download" : "upload") + " SHA-256", t.sent, t.received.sha256);
            assertEquals(100 * MB, t.received.bytes);
            assertTrue("handed off during the transfer", t.bytesAtHandoff > 0 && t.bytesAtHandoff < 100 * MB);
            assertThat("the bypass table carried the rest", t.bypassBytes, greaterThan(50 * MB));
            assertThat("the transfer went on after the hand-off settled", t.bytesSettled, greaterThan(t.bytesAtHandoff));
            double relayedGb = t.bytesAtHandoff / 1e9;
            double bypassedGb = (100 * MB - t.bytesSettled) / 1e9;
            double cpuPerGbBefore = t.cpuAtHandoff / relayedGb;
            double cpuPerGbAfter = t.cpuAfterHandoff / bypassedGb;
            double relayPerGbBefore = t.relayAtHandoff / relayedGb;
            double relayPerGbAfter = t.relayAfterHandoff / bypassedGb;
            System.out.printf("scenario 1 %s: hand-off at %d MB; proxy CPU %.2f s/GB relayed, %.3f s in the"
                                      + " second after the hand-off was reported, %.3f s/GB bypassed from %d MB on;"
                                      + " relay threads %.2f s/GB relayed, %.3f s/GB bypassed%n",
                              download ? "download" : "upload", t.bytesAtHandoff / MB, cpuPerGbBefore,
                              t.cpuSettling, cpuPerGbAfter, t.bytesSettled / MB, relayPerGbBefore, relayPerGbAfter);
            // The data path's cost, the relay threads': the process's also counts the JIT compiling the hand-off's
            // code in a fresh JVM for seconds after its first hand-off, a cost per process, not per byte.
            assertThat("relay threads' CPU after hand-off is about zero", relayPerGbAfter,
                       lessThan(relayPerGbBefore / 10));
        }
    }

    /** Scenario 2: 50 concurrent pipelined request/response connections, each handed off at its own moment. */
    @Test
    public void scenario2PipelinedConnectionsHandedOffAtRandomMoments() throws Exception {
        lab = Lab.start(repo(), Set.of());
        // The proxy's default settings: at most 16 hand-offs at a time, the rest wait their turn.
        ProxyProcess proxy = lab.startProxy(bytesPolicy(256 * 1024), "");
        ServerSocketChannel server = lab.listenOnServer();
        pool.submit(() -> echoServer(server));
        Random random = new Random(2);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            long seed = random.nextLong();
            // Request sizes differ per connection, so the byte count that triggers the hand-off falls at a
            // different point of each connection's exchange.
            int requests = 100 + random.nextInt(50);
            SocketChannel c = lab.socketIn(lab.topology().client());
            results.add(pool.submit(() -> pipelined(c, lab.vip(), seed, requests)));
        }
        for (Future<Boolean> r : results) {
            try {
                assertTrue("every byte exact", r.get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
            } catch (ExecutionException | TimeoutException e) {
                // Where a stuck connection's bytes wait: the endpoints' sockets (persist mode, windows, queues).
                for (LabHost h : List.of(lab.topology().client(), lab.topology().server())) {
                    System.out.println("scenario 2: " + h.role() + " sockets:\n"
                                               + Shell.inNamespace(h.namespace(), "ss", "-tinoe"));
                }
                throw e;
            }
        }
        System.out.println("scenario 2 proxy: " + proxy.offloaded() + " handed off, " + proxy.fallbacks()
                                   + " fell back");
        assertThat("hand-offs", proxy.offloaded(), greaterThanOrEqualTo(45L));
        System.out.println("scenario 2: " + proxy.offloaded() + " of 50 handed off; hand-off ms "
                                   + proxy.handoffSummary() + "; freeze (stall) ms " + proxy.freezeSummary());
    }

    /** Scenario 3: 1 % loss and reordering on client and server links, SACK and timestamps on. */
    @Test
    public void scenario3LossAndReorderingWithSackAndTimestamps() throws Exception {
        lab = Lab.start(repo(), Set.of("client", "server"));
        for (LabHost h : List.of(lab.topology().client(), lab.topology().server())) {
            h.exec("sysctl", "-qw", "net.ipv4.tcp_sack=1");
            h.exec("sysctl", "-qw", "net.ipv4.tcp_timestamps=1");
            lab.topology().link(h).setImpairment(1, 1, 3_000);
            lab.topology().link(h).setDelayMicros(1_000);
        }
        ProxyProcess proxy = lab.startProxy(bytesPolicy(4 * MB), "");
        // In a download the client's ACKs carry the SACK blocks: count them where they arrive, at the server,
        // from the hand-off on (before it, the proxy's own socket wrote them).
        OptionCounter atServer = OptionCounter.startAfter(lab.topology().server(), () -> proxy.offloaded() >= 1);
        Transfer t = bulk(true, 32 * MB, proxy, 1);
        atServer.stop();
        assertArrayEquals("byte-exact under loss", t.sent, t.received.sha256);
        assertThat("the bypass carried the transfer", t.bypassBytes, greaterThan(8 * MB));
        String client = nstat(lab.topology().client());
        String server = nstat(lab.topology().server());
        System.out.println("scenario 3: client " + client + "; server " + server + "; segments reaching the server"
                                   + " after the hand-off with SACK=" + atServer.sack + " TS=" + atServer.timestamps
                                   + "; link drops client " + lab.topology().link(lab.topology().client()).dropped()
                                   + " server " + lab.topology().link(lab.topology().server()).dropped());
        assertThat("SACK blocks came through the bypass", atServer.sack, greaterThan(0L));
        assertThat("timestamps came through the bypass", atServer.timestamps, greaterThan(100L));
        // Linux's PAWS check also drops a segment the link held back behind newer ones (older TSval): each
        // PAWS drop must be one of the link's reordered frames. A wrong timestamp offset would drop them all.
        assertThat("PAWS drops at the client only from reordering", counter(client, "PAWSEstab"),
                   lessThanOrEqualTo(lab.topology().link(lab.topology().server()).reordered()));
        assertThat("PAWS drops at the server only from reordering", counter(server, "PAWSEstab"),
                   lessThanOrEqualTo(lab.topology().link(lab.topology().client()).reordered()));
        assertThat("the server used the translated SACK blocks", counter(server, "TCPSackRecovery"),
                   greaterThan(0L));
        assertThat("no SACK discarded at the server", server, containsString("TCPSACKDiscard=0"));
    }

    /** Scenario 4: a sequence space crosses 2^32 while the connection is bypassed. */
    @Test
    public void scenario4SequenceNumbersWrapDuringTheBypass() throws Exception {
        lab = Lab.start(repo(), Set.of());
        long handoff = MB;
        long window = 48 * MB;
        ProxyProcess proxy = lab.startProxy(bytesPolicy(handoff), "");
        ServerSocketChannel server = lab.listenOnServer();
        // Linux picks initial sequence numbers at random: open connections until a download's bytes (server
        // space, or the proxy's client-leg space the switch maps it to) will cross 2^32 after the hand-off.
        for (int attempt = 0; attempt < 400; attempt++) {
            SocketChannel c = lab.socketIn(lab.topology().client());
            c.connect(lab.vip());
            SocketChannel s = server.accept();
            long serverSeq = sendSeq(s);
            long proxySeq = receiveSeq(c);
            long toWrap = Math.min(distanceToWrap(serverSeq), distanceToWrap(proxySeq));
            if (toWrap > handoff + 2 * MB && toWrap < window) {
                long bytes = toWrap + 8 * MB;
                System.out.printf("scenario 4: attempt %d, server ISN space %d, proxy client-leg space %d,"
                                          + " wrap after %d MB, transfer %d MB%n", attempt, serverSeq, proxySeq,
                                  toWrap / MB, bytes / MB);
                int clientPort = ((java.net.InetSocketAddress) c.getLocalAddress()).getPort();
                Transfer t = transfer(c, s, bytes, proxy, 1);
                assertArrayEquals("byte-exact across 2^32", t.sent, t.received.sha256);
                // Where the hand-off happened, from the state the proxy read (the transfer's own progress is sampled
                // once the proxy's metrics report the hand-off, up to a second later). Drained, the proxy had sent
                // the client every byte it had received from the server.
                long sentAtHandoff = clientLegSndNxt(proxy, clientPort) - proxySeq & 0xffffffffL;
                assertThat("handed off before the wrap", sentAtHandoff, lessThan(toWrap));
                return;
            }
            s.setOption(StandardSocketOptions.SO_LINGER, 0);
            s.close();
            c.close();
        }
        fail("no connection's sequence numbers came near 2^32 in 400 attempts");
    }

    /** The client leg's sndNxt the proxy last read for a hand-off of the connection from {@code clientPort}. */
    private static long clientLegSndNxt(ProxyProcess proxy, int clientPort) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "hand-off /[0-9.]+:" + clientPort + " -> .* client leg \\{\"sndNxt\":(\\d+)").matcher(proxy.log());
        long sndNxt = -1;
        while (m.find()) {
            sndNxt = Long.parseLong(m.group(1));
        }
        assertTrue("the proxy logged the hand-off's leg state", sndNxt >= 0);
        return sndNxt;
    }

    /** Scenario 5: FIN and RST after the hand-off; both ends see them; the bypass entries go. */
    @Test
    public void scenario5FinAndRstAfterHandoff() throws Exception {
        lab = Lab.start(repo(), Set.of());
        lab.controller().configure(org.tcpbypass.lab.LabController.PROXY_NAME, 30, 500);
        ProxyProcess proxy = lab.startProxy(bytesPolicy(MB), "");
        ServerSocketChannel server = lab.listenOnServer();

        SocketChannel c = lab.socketIn(lab.topology().client());
        c.connect(lab.vip());
        SocketChannel s = server.accept();
        Transfer t = transfer(c, s, 4 * MB, proxy, 1, false);
        assertArrayEquals(t.sent, t.received.sha256);
        awaitHandOff(proxy);
        long blindBefore = statistics().get("switchAnomalies").get("BLIND_CLOSE").asLong();
        // Blind segments on the connection's 4-tuple, their sequence numbers half the space away from the sender's
        // (RFC 5961: the receiver ignores them): the switch copies none to the controller, so the bypass stays.
        blind(lab.topology().client(), c, RST);
        blind(lab.topology().client(), c, FIN | ACK);
        blind(lab.topology().server(), s, FIN | ACK);
        Transfer down = transfer(c, s, MB, proxy, 1, false);
        assertArrayEquals("server to client after a blind RST and a blind FIN pair", down.sent,
                          down.received.sha256);
        Transfer up = transferFrom(s, c, MB, proxy, 1, false);
        assertArrayEquals("client to server after a blind RST and a blind FIN pair", up.sent, up.received.sha256);
        assertEquals("still bypassed after the blind RST and FINs", 1, records("BYPASSED"));
        com.fasterxml.jackson.databind.JsonNode statistics = statistics();
        System.out.printf("scenario 5: statistics after the blind segments %s%n", statistics);
        if (lab.controller().p4Runtime().isPresent()) {
            assertEquals("the switch's anomaly counter read over P4Runtime", "[]",
                         statistics.get("switchesUnread").toString());
            assertEquals("GET /statistics counts the three blind segments as ignored closes", blindBefore + 3,
                         statistics.get("switchAnomalies").get("BLIND_CLOSE").asLong());
        } else {
            assertEquals("without P4Runtime the switch's anomalies are named unread", 1,
                         statistics.get("switchesUnread").size());
        }
        long cellsRead = lab.controller().p4Runtime().map(p -> p.cellsRead()).orElse(0L);
        long beforeClose = bypassBytes();
        c.shutdownOutput();
        assertEquals("server sees the client's FIN", -1, s.read(ByteBuffer.allocate(1)));
        s.close();
        assertEquals("client sees the server's FIN", -1, c.read(ByteBuffer.allocate(1)));
        c.close();
        assertTrue("bypass entries gone after both FINs and the linger", bypassEntriesGone(10_000));
        // The released record keeps the switch's counters as read at the release, after the FINs crossed it: more
        // than the switch had counted before the close (the flow rule service's look-up then).
        com.fasterxml.jackson.databind.JsonNode released = offloads("RELEASED").get(0);
        long recorded = released.get("bytesToServer").asLong() + released.get("bytesToClient").asLong();
        System.out.printf("scenario 5: released record %s; the switch counted %d bytes before the close%n",
                          released, beforeClose);
        assertThat("the transfers after the hand-off went through the bypass", beforeClose, greaterThan(2 * MB));
        assertThat("final counters read at the release", recorded, greaterThan(beforeClose));
        lab.controller().p4Runtime().ifPresent(p -> assertEquals(
                "the release read the two bypass entries' counters over P4Runtime, as ONOS's client would",
                cellsRead + 2, p.cellsRead()));

        SocketChannel c2 = lab.socketIn(lab.topology().client());
        c2.connect(lab.vip());
        SocketChannel s2 = server.accept();
        Transfer t2 = transfer(c2, s2, 4 * MB, proxy, 2, false);
        assertArrayEquals(t2.sent, t2.received.sha256);
        s2.setOption(StandardSocketOptions.SO_LINGER, 0);
        s2.close();
        try {
            c2.read(ByteBuffer.allocate(1));
            fail("the client did not see the reset");
        } catch (IOException e) {
            assertThat(e.getMessage(), containsString("reset"));
        }
        c2.close();
        assertTrue("bypass entries gone after the RST and the linger", bypassEntriesGone(10_000));
    }

    /**
     * Scenario 8: a handed-off connection idle for 5 minutes without keepalives carries data again both ways,
     * byte-exact and still bypassed, with the app's default idle limit (5 days; the lab otherwise runs 60 s).
     */
    @Test
    public void scenario8IdleBypassedConnectionCarriesDataAfterFiveMinutes() throws Exception {
        HandedOff handedOff = handedOffConnection(APP_IDLE_TIMEOUT_SECONDS);
        ProxyProcess proxy = handedOff.proxy;
        SocketChannel c = handedOff.client;
        SocketChannel s = handedOff.server;
        long bypassed = bypassBytes();
        TimeUnit.MINUTES.sleep(5);
        Transfer down = transfer(c, s, 2 * MB, proxy, 1, false);
        assertArrayEquals("after 5 minutes idle, server to client", down.sent, down.received.sha256);
        Transfer up = transferFrom(s, c, 2 * MB, proxy, 1, false);
        assertArrayEquals("after 5 minutes idle, client to server", up.sent, up.received.sha256);
        assertThat("the bypass carried it", bypassBytes(), greaterThan(bypassed + 4 * MB));
        assertEquals("still one hand-off: the proxy never saw the connection again", 1, proxy.offloaded());
        assertEquals("still bypassed", 1, records("BYPASSED"));
        c.close();
        s.close();
    }

    /**
     * Scenario 9: a bypassed connection idle past a short idle limit (5 s) whose endpoints answer the switch's
     * keepalive probes stays bypassed and carries data afterwards; once its endpoints are unreachable (every segment
     * to them dropped in their namespaces) it is released after three unanswered probes.
     */
    @Test
    public void scenario9IdleBypassIsProbedAndReleasedOnlyWhenNobodyAnswers() throws Exception {
        HandedOff handedOff = handedOffConnection(5);
        ProxyProcess proxy = handedOff.proxy;
        SocketChannel c = handedOff.client;
        SocketChannel s = handedOff.server;
        long bypassed = bypassBytes();
        TimeUnit.SECONDS.sleep(40);
        long answers = bypassBytes() - bypassed;
        System.out.printf("scenario 9: 40 s idle past a 5 s idle limit; the endpoints' answers to the probes: %d"
                                  + " bytes through the bypass%n", answers);
        assertThat("the endpoints answered the probes through the bypass", answers, greaterThan(0L));
        assertEquals("still bypassed", 1, records("BYPASSED"));
        Transfer down = transfer(c, s, MB, proxy, 1, false);
        assertArrayEquals("after the probes, server to client", down.sent, down.received.sha256);
        Transfer up = transferFrom(s, c, MB, proxy, 1, false);
        assertArrayEquals("after the probes, client to server", up.sent, up.received.sha256);
        assertEquals("still one hand-off: the proxy never saw the connection again", 1, proxy.offloaded());

        List<LabHost> endpoints = List.of(lab.topology().client(), lab.topology().server());
        for (LabHost h : endpoints) {
            h.exec("nft", "add table ip tcp_bypass_gone");
            h.exec("nft", "add chain ip tcp_bypass_gone input { type filter hook input priority 0 ; policy drop ; }");
        }
        try {
            long deadline = System.currentTimeMillis() + 90_000;
            while (records("RELEASED") == 0 && System.currentTimeMillis() < deadline) {
                Thread.sleep(500);
            }
            com.fasterxml.jackson.databind.JsonNode released = offloads("RELEASED");
            assertEquals("released once nobody answers", 1, released.size());
            System.out.printf("scenario 9: %s%n", released.get(0).get("reason").asText());
            assertThat(released.get(0).get("reason").asText(), containsString("no answer to 3 keepalive probes"));
        } finally {
            for (LabHost h : endpoints) {
                h.exec("nft", "delete table ip tcp_bypass_gone");
            }
        }
        c.setOption(StandardSocketOptions.SO_LINGER, 0);
        s.setOption(StandardSocketOptions.SO_LINGER, 0);
        c.close();
        s.close();
    }

    /** One connection through the proxy, handed off after 1 MB of 4 MB (byte-exact), the app's idle limit as given. */
    private HandedOff handedOffConnection(int idleSeconds) throws Exception {
        lab = Lab.start(repo(), Set.of());
        lab.controller().configure(org.tcpbypass.lab.LabController.PROXY_NAME, idleSeconds);
        ProxyProcess proxy = lab.startProxy(bytesPolicy(MB), "");
        ServerSocketChannel server = lab.listenOnServer();
        SocketChannel c = lab.socketIn(lab.topology().client());
        c.connect(lab.vip());
        SocketChannel s = server.accept();
        Transfer before = transfer(c, s, 4 * MB, proxy, 1, false);
        assertArrayEquals(before.sent, before.received.sha256);
        awaitHandOff(proxy);
        assertEquals("handed off", 1, proxy.offloaded());
        return new HandedOff(proxy, c, s);
    }

    private static final class HandedOff {
        final ProxyProcess proxy;
        final SocketChannel client;
        final SocketChannel server;

        HandedOff(ProxyProcess proxy, SocketChannel client, SocketChannel server) {
            this.proxy = proxy;
            this.client = client;
            this.server = server;
        }
    }

    /** Scenario 6: the controller refuses, then is down; the proxy keeps relaying and reports the fallback. */
    @Test
    public void scenario6ControllerRefusesOrIsDown() throws Exception {
        lab = Lab.start(repo(), Set.of());
        lab.controller().configure("some-other-proxy", 60, 1000);
        ProxyProcess proxy = lab.startProxy(bytesPolicy(MB), "");
        Transfer refused = bulk(true, 16 * MB, proxy, Long.MAX_VALUE);
        assertArrayEquals("byte-exact while refused", refused.sent, refused.received.sha256);
        assertTrue("fallback reported: " + proxy.fallbacks(), proxy.awaitFallbacks(1, METRICS_WAIT_MS));
        assertEquals("nothing handed off", 0, proxy.offloaded());

        lab.controller().stopRest();
        long fallbacks = proxy.fallbacks();
        Transfer down = bulk(false, 16 * MB, proxy, Long.MAX_VALUE);
        assertArrayEquals("byte-exact while the controller is down", down.sent, down.received.sha256);
        // The transfer may end within the proxy's metrics interval after the fallback resumed it (2026-12-03 18:27).
        assertTrue("second fallback reported: " + proxy.fallbacks() + " after " + fallbacks,
                   proxy.awaitFallbacks(fallbacks + 1, METRICS_WAIT_MS));
        assertThat(proxy.log(), containsString("relaying on"));
    }

    /**
     * Scenario 7, the hand-off itself, with the proxy's default settings: ten times one connection alone, then 50
     * connections handed off at once. Each connection carries paced traffic both ways, 0.5 MB/s alone and 10 KB/s
     * each of the 50 (relayed packets cross the switch twice; faster traffic would queue in BMv2, hand-off or not).
     * Prints, per hand-off, the proxy's latency (policy fired to BYPASSED seen) and each endpoint's gap across it
     * (the longest between payload arrivals overlapping the policy firing to the reopening), for the singles with the
     * endpoints' RTT, and per run one line
     * {@code handoff connections=N handed_off=N latency_ms_p50=X latency_ms_p99=X gap_ms_p50=X gap_ms_p99=X
     * retrans=N} (retrans: both endpoints' TcpRetransSegs + TCPLossProbes + TCPTimeouts over the run) and, from
     * captures at the endpoints, how many segments they sent again and how many of those during a hand-off; first, as
     * controls, the retransmissions of the 50-connection traffic relayed without a hand-off and sent straight to the
     * server without the proxy, and of the singles' traffic sent straight to the server. Asserts: every connection
     * handed off; no segment of a hand-off sent again (sent again before the resumption, or first sent before it or in
     * its first 20 ms), and every segment the endpoints count as sent again found in the captures; single latency p50 ≤ 20 ms and p99 ≤ 50 ms; gap p99 ≤ 1 s
     * with 50.
     */
    @Test
    public void scenario7HandOff() throws Exception {
        lab = Lab.start(repo(), Set.of());
        try (ServerSocketChannel server = lab.listenOnServer()) {
            // Control: the 50-connection run relayed throughout, never handed off: the retransmissions the endpoints
            // count with the proxy in the path and no hand-off at all.
            ProxyProcess relayOnly = lab.startProxy("{\"policy\": \"never\"}", "");
            HandOffRun control;
            try {
                control = handOffRun(relayOnly, server, 50, FIFTY_BYTES, FIFTY_RATE, false);
            } finally {
                relayOnly.close();
            }
            System.out.println("control: the 50-connection run relayed without a hand-off: retrans=" + control.retrans);
            // Second control: the same traffic straight from client to server through the switch's plain
            // forwarding, no proxy at all: what the lab's link alone costs the endpoints.
            HandOffRun direct = handOffRun(null, server, 50, FIFTY_BYTES, FIFTY_RATE, false);
            System.out.println("control: the 50-connection run straight to the server, no proxy: retrans="
                                       + direct.retrans);
            // Third control: the single runs' traffic (bursts of three segments every 8 ms), ten times straight to the
            // server: the tail-loss probes the lab's 1 ms RTT path alone draws from it.
            // Their largest gaps between payload arrivals, with no hand-off: what the traffic and the lab's CPUs alone
            // put between two bursts, the part of a hand-off's gap that is not the hand-off's.
            long directSingles = 0;
            double[] directGaps = new double[0];
            for (int i = 0; i < 10; i++) {
                HandOffRun direct1 = handOffRun(null, server, 1, MB, 512 * 1024, false);
                directSingles += direct1.retrans;
                directGaps = java.util.stream.DoubleStream.concat(java.util.Arrays.stream(directGaps),
                                                                  java.util.Arrays.stream(direct1.gaps)).toArray();
            }
            java.util.Arrays.sort(directGaps);
            System.out.printf(Locale.ROOT, "control: 10 single connections straight to the server, no proxy: retrans=%d;"
                                      + " largest gap between payload arrivals at an endpoint p50 %.1f ms, max %.1f ms%n",
                              directSingles, percentile(directGaps, 50), directGaps[directGaps.length - 1]);
            // The lab controller (the app, its REST, the intent path, the P4Runtime writes) and the proxy start as
            // cold JVMs; ONOS and a proxy in service are long-running. Offloads through the same REST exchange (on
            // tuples no lab connection uses), then hand-offs, before the measured ones let the JIT compile those
            // paths: measured here, a POST took ≈15 ms after 5 offloads and ≈3.5 ms after 400; the proxy's own
            // request step (its REST client and JSON, run about once per hand-off, so interpreted for the first
            // couple of hundred) had a median of ≈10 ms after 20 warm-up hand-offs and ≈5 ms after 200 (2026-12-01).
            // The warm-up hand-offs run ten at once and are byte-exact like every run; one that is postponed and
            // outlived by its short transfer is not counted against anything.
            Benchmarks.Rate warmUp = Benchmarks.offloads(lab, 2, WARM_UP_OFFLOADS / 2, 0);
            System.out.println("warm-up: " + warmUp.describe(2));
            assertEquals("warm-up offloads all BYPASSED", 0, warmUp.notBypassed + warmUp.errors);
            ProxyProcess proxy = lab.startProxy(bytesPolicy(HANDOFF_AT), "");
            for (int i = 0; i < WARM_UP_HANDOFFS / WARM_UP_AT_ONCE; i++) {
                handOffRun(proxy, server, WARM_UP_AT_ONCE, MB / 4, 512 * 1024, false);
            }
            List<HandOffRun> runs = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                runs.add(handOffRun(proxy, server, 1, MB, 512 * 1024, true));
            }
            runs.add(handOffRun(proxy, server, 50, FIFTY_BYTES, FIFTY_RATE, true));
            double[] over = runs.subList(0, 10).stream().mapToDouble(r -> r.gapLessLatency).sorted().toArray();
            double[] rtts = runs.subList(0, 10).stream().mapToDouble(r -> r.rttMillis).sorted().toArray();
            long within = runs.subList(0, 10).stream().filter(r -> r.gapLessLatency <= r.rttMillis).count();
            long stallWithin = runs.subList(0, 10).stream().filter(r -> r.stallLessLatency <= r.rttMillis).count();
            // Printed before any assertion, so a failed run reports it too. Issue 11 asks gap <= latency + 1 RTT; the
            // RTT here is the larger of the endpoints' smoothed RTTs. Beside it, the same counted from the policy
            // firing: the part of a gap before it is the traffic's (an endpoint with nothing new to receive yet).
            System.out.printf(Locale.ROOT, "singles: gap across the hand-off less its latency p50 %.1f ms, max %.1f ms;"
                                      + " endpoints' smoothed RTT p50 %.2f ms, max %.2f ms; gap within latency + 1 RTT:"
                                      + " %d of 10; counted from the policy firing: %d of 10%n", percentile(over, 50),
                              over[over.length - 1], percentile(rtts, 50), rtts[rtts.length - 1], within,
                              stallWithin);
            for (HandOffRun run : runs) {
                assertEquals("every connection handed off: " + run.line(), run.connections, run.handedOff);
                assertEquals("no segment of a hand-off sent again: " + run.line(), 0, run.duringHandOff);
                // The lab's 1 ms RTT path draws tail-loss probes from the singles' bursts without any proxy (the
                // third control): every segment the endpoints count as sent again must be one the captures placed.
                // A probe that carried new data counts in TCPLossProbes and sent nothing again.
                assertThat("segments counted as sent again (TcpRetransSegs), all in the captures: " + run.line(),
                           run.retransSegs, lessThanOrEqualTo((long) run.duringHandOff + run.outsideHandOff));
            }
            double[] single = runs.subList(0, 10).stream().mapToDouble(r -> r.latencies[0]).sorted().toArray();
            assertThat("single hand-off latency p50 (ms)", percentile(single, 50), lessThanOrEqualTo(SINGLE_P50_MS));
            assertThat("single hand-off latency p99 (ms)", percentile(single, 99), lessThanOrEqualTo(SINGLE_P99_MS));
            HandOffRun fifty = runs.get(10);
            assertThat("gap p99 with 50 at once (ms)", percentile(fifty.gaps, 99), lessThanOrEqualTo(1000.0));
        }
    }

    /** Scenario 7's targets for a single hand-off's latency (issue 11). */
    private static final double SINGLE_P50_MS = 20.0;
    private static final double SINGLE_P99_MS = 50.0;
    /** Each of scenario 7's 50 simultaneous connections: bytes each way, and bytes per second each way. */
    private static final long FIFTY_BYTES = 256 * 1024;
    private static final long FIFTY_RATE = 10 * 1024;
    /** Unmeasured offloads through the REST exchange before scenario 7's hand-offs. */
    private static final int WARM_UP_OFFLOADS = 1000;
    /** Unmeasured hand-offs before scenario 7's measured ones, and how many of them run at once. */
    private static final int WARM_UP_HANDOFFS = 200;
    private static final int WARM_UP_AT_ONCE = 10;
    /** Bytes relayed (both ways) before the hand-off in scenario 7. */
    private static final long HANDOFF_AT = 64 * 1024;
    // The proxy's line for a hand-off: its time, the client's port, the proxy's server-leg port, and the steps.
    private static final java.util.regex.Pattern HANDED_OFF = java.util.regex.Pattern.compile(
            "^(\\S+) \\S+ handed off /[0-9.]+:(\\d+) -> /[0-9.]+:\\d+ \\| /[0-9.]+:(\\d+) -> .* as bypass \\S+ after (.*)");
    private static final java.util.regex.Pattern STEP =
            java.util.regex.Pattern.compile("([a-z][a-z ]*?) (\\d+\\.\\d+) ms");

    /**
     * How long after the resumption a peer's first segments are still the hand-off's: what it queued while quiesced
     * leaves within its restart window at once, the rest within a round trip or two (1 to 3 ms here).
     */
    private static final double RESUME_BURST_SECONDS = 0.020;
    /** Where the capture did not see a segment's first transmission: re-sent up to this long after the resumption. */
    private static final double UNPLACED_SECONDS = 0.200;

    /*
     * A line placing an endpoint's retransmission against its connection's hand-off (quiesce, resume, in epoch
     * seconds); 1 when it is the hand-off's: sent again between the quiesce and the resumption, or a segment first sent
     * then or in the resumption's burst, whenever sent again (a loss, a tail-loss probe or a timeout the hand-off could
     * have caused). A segment first sent later is the path's, as the controls' are.
     */
    private static int during(String endpoint, double[] handOff, EndpointCapture.Retransmission r) {
        boolean during = handOff != null && (within(r.epochSeconds, handOff[0], handOff[1])
                || (Double.isNaN(r.firstSentSeconds)
                    ? within(r.epochSeconds, handOff[0], handOff[1] + UNPLACED_SECONDS)
                    : within(r.firstSentSeconds, handOff[0], handOff[1] + RESUME_BURST_SECONDS)));
        String where = handOff == null ? "on a connection without a hand-off"
                : String.format(Locale.ROOT, "%.1f ms after its hand-off's quiesce (resumed at %.1f ms,"
                                        + " first sent at %.1f ms): %s", (r.epochSeconds - handOff[0]) * 1e3,
                                (handOff[1] - handOff[0]) * 1e3, (r.firstSentSeconds - handOff[0]) * 1e3,
                                during ? "the hand-off's" : "the path's");
        System.out.printf(java.util.Locale.ROOT, "the %s sent a segment again %s (port %d to %d), after:%n", endpoint,
                          where, r.sourcePort, r.destinationPort);
        r.before.forEach(line -> System.out.println("    " + line));
        return during ? 1 : 0;
    }

    private static boolean within(double t, double from, double to) {
        return t >= from && t <= to;
    }

    /** One run of scenario 7. */
    private static final class HandOffRun {
        int connections;
        /** Segments the endpoints sent again during a hand-off of theirs (from captures; reported runs only). */
        int duringHandOff;
        /** Segments the endpoints sent again outside their hand-off (from captures; reported runs only). */
        int outsideHandOff;
        int handedOff;
        double[] latencies;
        double[] gaps;
        long retrans;
        /** TcpRetransSegs alone. */
        long retransSegs;
        /** A single hand-off's larger endpoint gap less its latency, and its endpoints' larger smoothed RTT (ms). */
        double gapLessLatency = Double.NaN;
        /** The same from the policy firing: the gap less what of it came before the firing, less the latency (ms). */
        double stallLessLatency = Double.NaN;
        double rttMillis = Double.NaN;

        String line() {
            return String.format(java.util.Locale.ROOT, "handoff connections=%d handed_off=%d latency_ms_p50=%.1f"
                                         + " latency_ms_p99=%.1f gap_ms_p50=%.1f gap_ms_p99=%.1f retrans=%d",
                                 connections, handedOff, percentile(latencies, 50), percentile(latencies, 99),
                                 percentile(gaps, 50), percentile(gaps, 99), retrans);
        }
    }

    /** One run of {@code connections} at once; {@code report} prints its figures and its scenario line. */
    private HandOffRun handOffRun(ProxyProcess proxy, ServerSocketChannel server, int connections, long bytes,
                                  long bytesPerSecond, boolean report) throws Exception {
        // Without a proxy the client connects to the server itself: there is no hand-off to read.
        int logFrom = proxy == null ? 0 : proxy.log().length();
        java.util.Map<String, Long> countersBefore = retransmissionCounters();
        long retransBefore = retransmissions();
        boolean attribute = report && proxy != null;
        // Captures at both endpoints for the reported runs and the controls without a proxy: the gaps are taken
        // from them, and in the reported runs the segments sent again. They stop, and leave no file behind, however
        // the run ends.
        boolean capture = report || proxy == null;
        try (EndpointCapture clientCapture = capture ? new EndpointCapture(
                lab.topology().client().namespace(), lab.topology().client().ip().toString()) : null;
             EndpointCapture serverCapture = capture ? new EndpointCapture(
                     lab.topology().server().namespace(), lab.topology().server().ip().toString()) : null) {
            List<Future<Exchanged>> clients = new ArrayList<>();
            List<Future<Exchanged>> servers = new ArrayList<>();
            // Each connection's client and server channel: {remote, local} addresses, to find its flows in the
            // captures (and its hand-off by the client's port).
            InetSocketAddress[][] clientEnds = new InetSocketAddress[connections][];
            InetSocketAddress[][] serverEnds = new InetSocketAddress[connections][];
            // A single connection's endpoints also read their RTT (ss).
            boolean rtt = report && connections == 1;
            for (int i = 0; i < connections; i++) {
                SocketChannel c = lab.socketIn(lab.topology().client());
                c.connect(proxy == null ? lab.server() : lab.vip());
                SocketChannel s = server.accept();
                clientEnds[i] = new InetSocketAddress[] {
                        (InetSocketAddress) c.getRemoteAddress(), (InetSocketAddress) c.getLocalAddress()};
                serverEnds[i] = new InetSocketAddress[] {
                        (InetSocketAddress) s.getRemoteAddress(), (InetSocketAddress) s.getLocalAddress()};
                long seed = System.nanoTime();
                LabHost clientHost = rtt ? lab.topology().client() : null;
                LabHost serverHost = rtt ? lab.topology().server() : null;
                clients.add(endpoints.submit(() -> exchange(c, bytes, seed, seed + 1, bytesPerSecond, clientHost)));
                servers.add(endpoints.submit(() -> exchange(s, bytes, seed + 1, seed, bytesPerSecond, serverHost)));
            }
            HandOffRun run = new HandOffRun();
            run.connections = connections;
            run.gaps = new double[2 * connections];
            List<Exchanged> atClient = new ArrayList<>();
            List<Exchanged> atServer = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                atClient.add(clients.get(i).get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
                atServer.add(servers.get(i).get(TIMEOUT_MS, TimeUnit.MILLISECONDS));
            }
            awaitClosed();
            run.retrans = retransmissions() - retransBefore;
            java.util.Map<String, Long> countersAfter = retransmissionCounters();
            run.retransSegs = countersAfter.getOrDefault("TcpRetransSegs", 0L)
                    - countersBefore.getOrDefault("TcpRetransSegs", 0L);
            StringBuilder split = new StringBuilder("retransmission counters:");
            countersAfter.forEach((k, v) -> split.append(' ').append(k).append('=')
                    .append(v - countersBefore.getOrDefault(k, 0L)));
            if (report) {
                System.out.println(split);
            }
            List<Double> latencies = new ArrayList<>();
            // Per hand-off, by the client's port and by the proxy's server-leg port: the quiesce (the logged end less
            // every step after the queue) and the resumption (the logged end), in epoch seconds.
            java.util.Map<Integer, double[]> clientWindows = new java.util.HashMap<>();
            java.util.Map<Integer, double[]> serverWindows = new java.util.HashMap<>();
            // And by the client's port: when the policy fired and when the peers were reopened (epoch seconds).
            java.util.Map<Integer, double[]> firedAndResumed = new java.util.HashMap<>();
            for (String line : proxy == null ? new String[0] : proxy.log().substring(logFrom).split("\n")) {
                java.util.regex.Matcher m = HANDED_OFF.matcher(line);
                if (!m.find()) {
                    continue;
                }
                double ms = 0;
                double total = 0;
                double queued = 0;
                double toResume = 0;
                boolean decided = false;
                boolean resumed = false;
                java.util.regex.Matcher step = STEP.matcher(m.group(4));
                while (step.find()) {
                    total += Double.parseDouble(step.group(2));
                    if (step.group(1).equals("queued")) {
                        queued = Double.parseDouble(step.group(2));
                    }
                    if (!decided) {
                        ms += Double.parseDouble(step.group(2));
                        decided = step.group(1).equals("decision");
                    }
                    if (!resumed) {
                        toResume += Double.parseDouble(step.group(2));
                        resumed = step.group(1).equals("resume");
                    }
                }
                java.time.Instant logged = java.time.LocalDateTime.parse(m.group(1))
                        .atZone(java.time.ZoneId.systemDefault()).toInstant();
                double end = logged.getEpochSecond() + logged.getNano() / 1e9;
                double[] window = {end - (total - queued) / 1e3 - 0.001, end + 0.001};
                clientWindows.put(Integer.parseInt(m.group(2)), window);
                serverWindows.put(Integer.parseInt(m.group(3)), window);
                firedAndResumed.put(Integer.parseInt(m.group(2)),
                                    new double[] {end - total / 1e3, end - (total - toResume) / 1e3});
                latencies.add(ms);
                if (report) {
                    System.out.printf(java.util.Locale.ROOT, "hand-off %d of %d: latency %.1f ms (%s)%n",
                                      latencies.size(), connections, ms, m.group(4));
                }
            }
            EndpointCapture.Captured atClientWire = capture ? clientCapture.stop() : null;
            EndpointCapture.Captured atServerWire = capture ? serverCapture.stop() : null;
            // Each endpoint's gap across its hand-off: the longest between new payload arrivals overlapping the time
            // from the policy firing to the reopening (their stall); without a hand-off, its longest. Arrivals as the
            // endpoint's capture saw them where there is one; the application's reads run on the lab's busy cores
            // and may come later (printed beside them for a single).
            for (int i = 0; i < connections; i++) {
                double[] handOff = firedAndResumed.get(clientEnds[i][1].getPort());
                PayloadArrivals readAtC = atClient.get(i).reads;
                PayloadArrivals readAtS = atServer.get(i).reads;
                PayloadArrivals atC = capture ? atClientWire.arrivals(clientEnds[i][0], clientEnds[i][1]) : readAtC;
                PayloadArrivals atS = capture ? atServerWire.arrivals(serverEnds[i][0], serverEnds[i][1]) : readAtS;
                assertTrue("payload arrivals captured at both endpoints", atC.any() && atS.any());
                if (handOff == null) {
                    run.gaps[2 * i] = atC.largestMillis();
                    run.gaps[2 * i + 1] = atS.largestMillis();
                    continue;
                }
                double[] gapC = atC.across(handOff[0], handOff[1]);
                double[] gapS = atS.across(handOff[0], handOff[1]);
                run.gaps[2 * i] = (gapC[1] - gapC[0]) * 1e3;
                run.gaps[2 * i + 1] = (gapS[1] - gapS[0]) * 1e3;
                if (report && connections == 1) {
                    double[] readC = readAtC.across(handOff[0], handOff[1]);
                    double[] readS = readAtS.across(handOff[0], handOff[1]);
                    run.gapLessLatency = Math.max(run.gaps[0], run.gaps[1]) - latencies.get(0);
                    run.stallLessLatency = Math.max(gapC[1] - Math.max(gapC[0], handOff[0]),
                                                    gapS[1] - Math.max(gapS[0], handOff[0])) * 1e3 - latencies.get(0);
                    run.rttMillis = Math.max(atClient.get(i).rttMillis, atServer.get(i).rttMillis);
                    System.out.printf(java.util.Locale.ROOT, "gap across the hand-off: at the client %.1f ms (from"
                                              + " %.1f ms after the policy fired to %.1f ms after the reopening), at the"
                                              + " server %.1f ms (%.1f to %.1f); as the applications read: %.1f ms"
                                              + " (%.1f to %.1f) and %.1f ms (%.1f to %.1f); endpoints' RTT (ss,"
                                              + " smoothed) %.2f and %.2f ms, min %.2f and %.2f ms%n",
                                      run.gaps[0], (gapC[0] - handOff[0]) * 1e3, (gapC[1] - handOff[1]) * 1e3,
                                      run.gaps[1], (gapS[0] - handOff[0]) * 1e3, (gapS[1] - handOff[1]) * 1e3,
                                      (readC[1] - readC[0]) * 1e3, (readC[0] - handOff[0]) * 1e3,
                                      (readC[1] - handOff[1]) * 1e3, (readS[1] - readS[0]) * 1e3,
                                      (readS[0] - handOff[0]) * 1e3, (readS[1] - handOff[1]) * 1e3,
                                      atClient.get(i).rttMillis, atServer.get(i).rttMillis,
                                      atClient.get(i).minRttMillis, atServer.get(i).minRttMillis);
                    // Whose the gap's end is: a write due after the reopening (the traffic had nothing to send), one
                    // due before it but ended after (a late sender), or one queued before it (the path's).
                    System.out.printf(Locale.ROOT, "the peers' first writes after the gaps began, ms after the"
                                              + " reopening (ended/due): the server's %s, the client's %s%n",
                                      atServer.get(i).firstWriteAfter(gapC[0], handOff[1]),
                                      atClient.get(i).firstWriteAfter(gapS[0], handOff[1]));
                }
            }
            if (attribute) {
                // Captures with a segment sent again are kept for a closer look, and a single hand-off's over its p99
                // target: where its time went.
                boolean slow = connections == 1 && !latencies.isEmpty() && latencies.get(0) > SINGLE_P99_MS;
                if (slow || !atClientWire.sentAgain.isEmpty() || !atServerWire.sentAgain.isEmpty()) {
                    String why = slow ? String.format(java.util.Locale.ROOT, "hand-off latency %.1f ms",
                                                      latencies.get(0)) : "segments sent again";
                    clientCapture.keep(why);
                    serverCapture.keep(why);
                }
                for (EndpointCapture.Retransmission r : atClientWire.sentAgain) {
                    run.duringHandOff += during("client", clientWindows.get(r.sourcePort), r);
                }
                for (EndpointCapture.Retransmission r : atServerWire.sentAgain) {
                    run.duringHandOff += during("server", serverWindows.get(r.destinationPort), r);
                }
                run.outsideHandOff = atClientWire.sentAgain.size() + atServerWire.sentAgain.size()
                        - run.duringHandOff;
                System.out.printf(java.util.Locale.ROOT, "segments the endpoints sent again (capture): %d, of which the"
                                          + " hand-off's (sent again before the resumption, or first sent before it or"
                                          + " in its first 20 ms): %d%n",
                                  atClientWire.sentAgain.size() + atServerWire.sentAgain.size(), run.duringHandOff);
            }
            run.handedOff = latencies.size();
            run.latencies = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            java.util.Arrays.sort(run.gaps);
            if (report) {
                System.out.printf(java.util.Locale.ROOT, "endpoint gaps (ms): %s%n",
                                  java.util.Arrays.toString(run.gaps));
                System.out.println(run.line());
            }
            return run;
        }
    }

    /**
     * What one endpoint's application did: when it read new payload, when each of its writes was due and when it
     * ended, and when asked, the connection's RTT.
     */
    private static final class Exchanged {
        // System.nanoTime() less the epoch in nanoseconds, to place reads against the proxy's log and the captures.
        final long epochOffset;
        final PayloadArrivals reads = new PayloadArrivals();
        /**
         * {due, ended} of each write, in epoch seconds: written by the sender's task alone, read once exchange has
         * awaited that task (its Future's get orders the two).
         */
        final List<double[]> writes = new ArrayList<>();
        double rttMillis = Double.NaN;
        double minRttMillis = Double.NaN;

        Exchanged() {
            java.time.Instant now = java.time.Instant.now();
            epochOffset = System.nanoTime() - (now.getEpochSecond() * 1_000_000_000L + now.getNano());
        }

        /** Notes a read of new payload at {@code nanoTime} (System.nanoTime()). */
        void read(long nanoTime) {
            reads.arrived(epochSeconds(nanoTime));
        }

        /** Notes a write due at {@code dueNanos} that ended at {@code endedNanos} (System.nanoTime()). */
        void wrote(long dueNanos, long endedNanos) {
            writes.add(new double[] {epochSeconds(dueNanos), epochSeconds(endedNanos)});
        }

        /**
         * The first write that ended after {@code after} (epoch seconds), as "ended/due" in milliseconds from
         * {@code from} ("none" if none).
         */
        String firstWriteAfter(double after, double from) {
            return writes.stream().filter(w -> w[1] > after).findFirst()
                    .map(w -> String.format(Locale.ROOT, "%.1f/%.1f", (w[1] - from) * 1e3, (w[0] - from) * 1e3))
                    .orElse("none");
        }

        private double epochSeconds(long nanoTime) {
            return (nanoTime - epochOffset) / 1e9;
        }
    }

    // ss -ti's smoothed and minimum RTT, in milliseconds.
    private static final java.util.regex.Pattern SS_RTT = java.util.regex.Pattern.compile(" rtt:([0-9.]+)/");
    private static final java.util.regex.Pattern SS_MIN_RTT = java.util.regex.Pattern.compile(" minrtt:([0-9.]+)");

    /**
     * Sends {@code bytes} paced at {@code bytesPerSecond} while receiving the peer's as fast as they come; checks
     * the received bytes against the peer's seed; with a {@code host} (the channel's), reads the connection's RTT
     * there halfway.
     */
    private Exchanged exchange(SocketChannel ch, long bytes, long seed, long peerSeed, long bytesPerSecond,
                              LabHost host) throws Exception {
        try (SocketChannel c = ch) {
            Exchanged received = new Exchanged();
            Future<?> sender = endpoints.submit(() -> {
                Random r = new Random(seed);
                // A write every 8 ms (1 KiB at least, 16 KiB at most, a multiple of 4 so the byte stream does not
                // depend on the chunking), starting at a random phase: a single connection's largest gap is the
                // hand-off's, not the traffic's, and 50 connections do not burst together. Writes of one full
                // segment and a part (2.5 KiB, as this scenario once made) draw tail-loss probes from 1 ms RTT
                // links, hand-off or not: the part waits for a delayed ACK while the full one's ACK came. Writes of
                // two full segments every 5.5 ms drew more (2026-12-03 12:27: 1 to 9 per single, 13 to 1,600 ms
                // after its resumption, all the path's): with two segments in flight the tail-loss probe waits about
                // two smoothed RTTs, with a lone part in flight also the peer's longest delayed ACK (Linux's
                // tcp_schedule_loss_probe).
                byte[] chunk = new byte[(int) Math.max(1024, Math.min(16 * 1024, bytesPerSecond / 125)) & ~3];
                long interval = chunk.length * 1_000_000_000L / bytesPerSecond;
                long start = System.nanoTime() + Math.floorMod(seed, interval);
                TimeUnit.NANOSECONDS.sleep(start - System.nanoTime());
                long due = start;
                for (long sent = 0; sent < bytes; ) {
                    int n = (int) Math.min(chunk.length, bytes - sent);
                    r.nextBytes(chunk);
                    ByteBuffer b = ByteBuffer.wrap(chunk, 0, n);
                    while (b.hasRemaining()) {
                        c.write(b);
                    }
                    received.wrote(due, System.nanoTime());
                    sent += n;
                    due = start + sent * 1_000_000_000L / bytesPerSecond;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                }
                c.shutdownOutput();
                return null;
            });
            Random expected = new Random(peerSeed);
            byte[] want = new byte[16 * 1024];
            int wantLeft = 0;
            ByteBuffer b = ByteBuffer.allocate(64 * 1024);
            // Read halfway, long after the hand-off and before either side closes (a closing socket has no RTT).
            Future<String> ss = null;
            long total = 0;
            int n;
            while ((n = c.read(b)) >= 0) {
                if (n > 0) {
                    received.read(System.nanoTime());
                }
                b.flip();
                while (b.hasRemaining()) {
                    if (wantLeft == 0) {
                        expected.nextBytes(want);
                        wantLeft = (int) Math.min(want.length, bytes - total);
                    }
                    if (b.get() != want[want.length - wantLeft]) {
                        throw new IllegalStateException("byte " + total + " differs");
                    }
                    wantLeft--;
                    total++;
                }
                b.clear();
                if (host != null && ss == null && total >= bytes / 2) {
                    String filter = "( sport = :" + ((InetSocketAddress) c.getLocalAddress()).getPort()
                            + " and dport = :" + ((InetSocketAddress) c.getRemoteAddress()).getPort() + " )";
                    ss = pool.submit(() -> host.exec("ss", "-tinH", filter));
                }
            }
            sender.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertEquals("bytes received", bytes, total);
            if (ss != null) {
                String info = ss.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
                java.util.regex.Matcher m = SS_RTT.matcher(info);
                java.util.regex.Matcher min = SS_MIN_RTT.matcher(info);
                received.rttMillis = m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
                received.minRttMillis = min.find() ? Double.parseDouble(min.group(1)) : Double.NaN;
            }
            return received;
        }
    }

    /**
     * Waits (5 s at most) until neither endpoint has a FIN not yet acknowledged: a retransmission of the run's last
     * segments then falls before the counters are read and the captures stop, so both see it.
     */
    private void awaitClosed() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (LabHost h : List.of(lab.topology().client(), lab.topology().server())) {
            while (!h.exec("ss", "-tnH", "state", "fin-wait-1", "state", "closing", "state", "last-ack").isBlank()
                    && System.nanoTime() < end) {
                TimeUnit.MILLISECONDS.sleep(10);
            }
        }
    }

    private static final List<String> RETRANS_COUNTERS =
            List.of("TcpRetransSegs", "TcpExtTCPLossProbes", "TcpExtTCPTimeouts");

    /** TcpRetransSegs + TCPLossProbes + TCPTimeouts of the client's and the server's namespaces. */
    private long retransmissions() {
        return retransmissionCounters().values().stream().mapToLong(Long::longValue).sum();
    }

    /** Each of those counters, summed over the client's and the server's namespaces. */
    private java.util.Map<String, Long> retransmissionCounters() {
        java.util.Map<String, Long> sums = new java.util.TreeMap<>();
        for (LabHost h : List.of(lab.topology().client(), lab.topology().server())) {
            for (String line : h.exec("nstat", "-a", "-z", "-s").split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 2 && RETRANS_COUNTERS.contains(f[0])) {
                    sums.merge(f[0], Long.parseLong(f[1]), Long::sum);
                }
            }
        }
        return sums;
    }

    private static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100 * sorted.length) - 1)];
    }

    // ---------------------------------------------------------------------------------------------------

    private Transfer bulk(boolean download, long bytes, ProxyProcess proxy, long handoffsExpected)
            throws Exception {
        try (ServerSocketChannel server = lab.listenOnServer()) {
            SocketChannel c = lab.socketIn(lab.topology().client());
            c.connect(lab.vip());
            SocketChannel s = server.accept();
            Transfer t = download ? transfer(c, s, bytes, proxy, handoffsExpected)
                    : transferFrom(s, c, bytes, proxy, handoffsExpected, true);
            c.close();
            s.close();
            return t;
        }
    }

    private Transfer transfer(SocketChannel client, SocketChannel server, long bytes, ProxyProcess proxy,
                              long handoffsExpected) throws Exception {
        return transferFrom(client, server, bytes, proxy, handoffsExpected, true);
    }

    private Transfer transfer(SocketChannel client, SocketChannel server, long bytes, ProxyProcess proxy,
                              long handoffsExpected, boolean halfClose) throws Exception {
        return transferFrom(client, server, bytes, proxy, handoffsExpected, halfClose);
    }

    // Sends from {@code sender} to {@code receiver}, watching the proxy's hand-off count and CPU time.
    private Transfer transferFrom(SocketChannel receiver, SocketChannel sender, long bytes, ProxyProcess proxy,
                                  long handoffsExpected, boolean halfClose) throws Exception {
        AtomicLong progress = new AtomicLong();
        long seed = System.nanoTime();
        CompletableFuture<byte[]> sent = CompletableFuture.supplyAsync(() -> {
            try {
                return halfClose ? Stream.send(sender, bytes, seed, x -> { })
                        : sendOnly(sender, bytes, seed);
            } catch (IOException e) {
                throw new IllegalStateException("sender: " + e, e);
            }
        }, pool);
        Transfer t = new Transfer();
        double cpuStart = proxy.cpuSeconds();
        double relayStart = proxy.relayCpuSeconds();
        Future<Stream.Received> received = pool.submit(() -> halfClose
                ? Stream.receive(receiver, progress::set) : receiveExactly(receiver, bytes, progress));
        long deadline = System.currentTimeMillis() + TIMEOUT_MS;
        long settledAt = Long.MAX_VALUE;
        while (!received.isDone() && System.currentTimeMillis() < deadline) {
            if (t.bytesAtHandoff == 0 && proxy.offloaded() >= handoffsExpected) {
                t.bytesAtHandoff = progress.get();
                t.cpuAtHandoff = proxy.cpuSeconds() - cpuStart;
                t.relayAtHandoff = proxy.relayCpuSeconds() - relayStart;
                settledAt = System.currentTimeMillis() + SETTLE_MS;
            }
            if (t.bytesSettled == 0 && System.currentTimeMillis() >= settledAt) {
                t.bytesSettled = progress.get();
                t.cpuSettling = proxy.cpuSeconds() - cpuStart - t.cpuAtHandoff;
                t.relaySettling = proxy.relayCpuSeconds() - relayStart - t.relayAtHandoff;
            }
            if (t.bytesAtHandoff > 0) {
                t.bypassBytes = Math.max(t.bypassBytes, bypassBytes());
            }
            Thread.sleep(20);
        }
        t.received = received.get(1, TimeUnit.SECONDS);
        t.sent = sent.get(10, TimeUnit.SECONDS);
        if (t.bytesSettled > 0) {
            t.cpuAfterHandoff = proxy.cpuSeconds() - cpuStart - t.cpuAtHandoff - t.cpuSettling;
            t.relayAfterHandoff = proxy.relayCpuSeconds() - relayStart - t.relayAtHandoff - t.relaySettling;
        }
        return t;
    }

    private static byte[] sendOnly(SocketChannel ch, long bytes, long seed) throws IOException {
        Random r = new Random(seed);
        java.security.MessageDigest md = Stream.sha256();
        byte[] chunk = new byte[64 * 1024];
        long sent = 0;
        while (sent < bytes) {
            int n = (int) Math.min(chunk.length, bytes - sent);
            r.nextBytes(chunk);
            md.update(chunk, 0, n);
            ByteBuffer b = ByteBuffer.wrap(chunk, 0, n);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            sent += n;
        }
        return md.digest();
    }

    private static Stream.Received receiveExactly(SocketChannel ch, long bytes, AtomicLong progress)
            throws IOException {
        java.security.MessageDigest md = Stream.sha256();
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        long total = 0;
        while (total < bytes) {
            b.limit((int) Math.min(b.capacity(), bytes - total));
            int n = ch.read(b);
            if (n < 0) {
                break;
            }
            b.flip();
            md.update(b);
            b.clear();
            total += n;
            progress.set(total);
        }
        return new Stream.Received(md.digest(), total);
    }

    private long bypassBytes() {
        long sum = 0;
        for (FlowEntry e : lab.controller().flowRules().getFlowEntries(org.tcpbypass.lab.LabController.DEVICE_ID)) {
            if (BYPASS_TABLE.equals(e.table())) {
                sum += e.bytes();
            }
        }
        return sum;
    }

    private boolean bypassEntriesGone(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            boolean any = StreamSupport.stream(lab.controller().flowRules()
                    .getFlowEntries(org.tcpbypass.lab.LabController.DEVICE_ID).spliterator(), false)
                    .anyMatch(e -> BYPASS_TABLE.equals(e.table()) || BYPASS_GUARD.equals(e.table()));
            if (!any) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static boolean pipelined(SocketChannel c, java.net.InetSocketAddress vip, long seed, int requests) {
        AtomicLong received = new AtomicLong();
        ByteArrayBuilder expected = new ByteArrayBuilder();
        String port = "?";
        try (SocketChannel ch = c) {
            ch.connect(vip);
            port = Integer.toString(((java.net.InetSocketAddress) ch.getLocalAddress()).getPort());
            Random r = new Random(seed);
            CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    return readAll(ch, received);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            for (int i = 0; i < requests; i++) {
                // 0.5 to 4.5 KiB, 75 ms apart on average: 50 connections offer about 1.7 MB/s each way, proxied
                // about 5,000 packets/s through BMv2, half of what it forwards at log level warn (p4src/README.md).
                // Requests up to 33 KiB once offered three times what it carries: its queue held every segment for
                // seconds, and every drain and controller answer waited on it.
                byte[] req = new byte[512 + r.nextInt(4 * 1024)];
                r.nextBytes(req);
                expected.add(req);
                ByteBuffer b = ByteBuffer.wrap(req);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                // Think time keeps the 50 connections alive while the proxy works through its hand-offs.
                Thread.sleep(r.nextInt(150));
            }
            ch.shutdownOutput();
            byte[] got = reader.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            return Arrays.equals(expected.toArray(), got);
        } catch (Exception e) {
            // Which connection, and how far it got: the proxy's log names its bypass by the client's port.
            throw new IllegalStateException("pipelined connection from client port " + port + " failed after "
                    + expected.size() + " bytes written, " + received.get() + " echoed back: " + e, e);
        }
    }

    private static byte[] readAll(SocketChannel ch, AtomicLong received) throws IOException {
        ByteArrayBuilder out = new ByteArrayBuilder();
        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
        while (ch.read(b) >= 0) {
            b.flip();
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            out.add(chunk);
            received.addAndGet(chunk.length);
            b.clear();
        }
        return out.toArray();
    }

    // The server answers each byte stream with itself: responses are pipelined behind requests.
    private void echoServer(ServerSocketChannel server) {
        while (server.isOpen()) {
            try {
                SocketChannel s = server.accept();
                pool.submit(() -> {
                    try (SocketChannel ch = s) {
                        ByteBuffer b = ByteBuffer.allocate(64 * 1024);
                        while (ch.read(b) >= 0) {
                            b.flip();
                            while (b.hasRemaining()) {
                                ch.write(b);
                            }
                            b.clear();
                        }
                        ch.shutdownOutput();
                    }
                    return null;
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    // A transfer may end before the proxy has handed its connection off: waits up to 10 s for the first hand-off.
    private static void awaitHandOff(ProxyProcess proxy) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 10_000;
        while (proxy.offloaded() < 1 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
    }

    /** The app's records in a state, as GET /offloads?state= lists them. */
    private com.fasterxml.jackson.databind.JsonNode offloads(String state) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                Netns.call(lab.topology().proxy().namespace(), () -> {
                    try (Benchmarks.RestConnection rest = new Benchmarks.RestConnection(lab.rest())) {
                        return rest.exchange("GET", "offloads?state=" + state, null);
                    }
                })).get("offloads");
    }

    /** GET /statistics. */
    private com.fasterxml.jackson.databind.JsonNode statistics() throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                Netns.call(lab.topology().proxy().namespace(), () -> {
                    try (Benchmarks.RestConnection rest = new Benchmarks.RestConnection(lab.rest())) {
                        return rest.exchange("GET", "statistics", null);
                    }
                }));
    }

    private int records(String state) throws Exception {
        return offloads(state).size();
    }

    // A segment with the flags given on ch's 4-tuple from ch's host (a raw socket there), its SEQ half the sequence
    // space away from ch's next one and a random ACK: out of the receiver's window, whatever it has received.
    private static void blind(LabHost host, SocketChannel ch, int flags) throws IOException {
        java.net.InetSocketAddress local = (java.net.InetSocketAddress) ch.getLocalAddress();
        java.net.InetSocketAddress remote = (java.net.InetSocketAddress) ch.getRemoteAddress();
        long seq = sendSeq(ch) + (1L << 31) & 0xffffffffL;
        host.exec("/usr/bin/python3", "-c", BLIND_SEGMENT, local.getAddress().getHostAddress(),
                  Integer.toString(local.getPort()), remote.getAddress().getHostAddress(),
                  Integer.toString(remote.getPort()), Long.toString(seq), Integer.toString(flags));
    }

    // Sends one TCP segment through a raw socket: src port, dst, SEQ, a random ACK, flags; checksum over the
    // pseudo-header; the kernel adds the IP header with the host's address.
    private static final String BLIND_SEGMENT = String.join("\n",
            "import random, socket, struct, sys",
            "src, sport, dst, dport, seq, flags = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]),"
                    + " int(sys.argv[5]), int(sys.argv[6])",
            "tcp = struct.pack('!HHIIBBHHH', sport, dport, seq, random.getrandbits(32), 5 << 4, flags, 1024, 0, 0)",
            "b = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 6, len(tcp)) + tcp",
            "s = sum(struct.unpack('!%dH' % (len(b) // 2), b))",
            "s = (s >> 16) + (s & 0xffff)",
            "s += s >> 16",
            "tcp = tcp[:16] + struct.pack('!H', ~s & 0xffff) + tcp[18:]",
            "r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)",
            "r.sendto(tcp, (dst, 0))");

    private static long sendSeq(SocketChannel ch) throws IOException {
        TcpSocket s = TcpSocket.of(ch);
        s.setRepair(true);
        try {
            return s.sendQueueSeq();
        } finally {
            s.setRepair(false);
        }
    }

    private static long receiveSeq(SocketChannel ch) throws IOException {
        TcpSocket s = TcpSocket.of(ch);
        s.setRepair(true);
        try {
            return s.receiveQueueSeq();
        } finally {
            s.setRepair(false);
        }
    }

    private static long distanceToWrap(long seq) {
        return (1L << 32) - seq;
    }

    private static String nstat(LabHost h) {
        StringBuilder sb = new StringBuilder();
        String out = h.exec("nstat", "-az", "TcpExtPAWSEstab", "TcpExtTCPSACKDiscard", "TcpExtTCPSackRecovery",
                            "TcpExtTCPSACKReorder");
        for (String line : out.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].startsWith("TcpExt")) {
                sb.append(f[0].substring("TcpExt".length())).append('=').append(f[1]).append(' ');
            }
        }
        return sb.toString().trim();
    }

    private static long counter(String nstat, String name) {
        for (String kv : nstat.split(" ")) {
            if (kv.startsWith(name + "=")) {
                return Long.parseLong(kv.substring(name.length() + 1));
            }
        }
        return 0;
    }

    private static final class Transfer {
        byte[] sent;
        Stream.Received received;
        long bytesAtHandoff;
        double cpuAtHandoff;
        /** Received bytes once the hand-off has settled ({@link #SETTLE_MS} after the proxy reported it). */
        long bytesSettled;
        /** Proxy CPU from the report to the settling: the hand-off's own work, a cost per connection, not per GB. */
        double cpuSettling;
        /** Proxy CPU from the settling to the end of the transfer. */
        double cpuAfterHandoff;
        /** The same three for the proxy's relay threads alone. */
        double relayAtHandoff;
        double relaySettling;
        double relayAfterHandoff;
        long bypassBytes;
    }

    private static final class ByteArrayBuilder {
        private final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();

        void add(byte[] b) {
            out.writeBytes(b);
        }

        byte[] toArray() {
            return out.toByteArray();
        }

        int size() {
            return out.size();
        }
    }

    // Counts TCP segments arriving at a host that carry SACK blocks or timestamps.
    private static final class OptionCounter {
        volatile long sack;
        volatile long timestamps;
        volatile boolean running = true;
        Thread thread;

        static OptionCounter startAfter(LabHost host, java.util.function.BooleanSupplier armed) {
            OptionCounter oc = new OptionCounter();
            FramePort port = Netns.call(host.namespace(), () -> new FramePort("eth0", 100));
            oc.thread = new Thread(() -> {
                boolean on = false;
                long nextCheck = 0;
                while (oc.running) {
                    byte[] f = port.receive();
                    if (!on && System.currentTimeMillis() >= nextCheck) {
                        on = armed.getAsBoolean();
                        nextCheck = System.currentTimeMillis() + 50;
                    }
                    if (f != null && on) {
                        oc.count(f);
                    }
                }
                port.close();
            });
            oc.thread.setDaemon(true);
            oc.thread.start();
            return oc;
        }

        void count(byte[] f) {
            if (f.length < 54 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 6) {
                return;
            }
            int ihl = (f[14] & 0x0f) * 4;
            int tcp = 14 + ihl;
            int dataOffset = ((f[tcp + 12] & 0xf0) >> 4) * 4;
            int i = tcp + 20;
            int end = Math.min(f.length, tcp + dataOffset);
            while (i < end) {
                int kind = f[i] & 0xff;
                if (kind == 0) {
                    break;
                }
                if (kind == 1) {
                    i++;
                    continue;
                }
                if (i + 1 >= end) {
                    break;
                }
                int len = f[i + 1] & 0xff;
                if (kind == 5) {
                    sack++;
                } else if (kind == 8) {
                    timestamps++;
                }
                i += Math.max(len, 2);
            }
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(2000);
        }
    }
}
