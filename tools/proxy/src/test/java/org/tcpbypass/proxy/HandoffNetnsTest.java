package org.tcpbypass.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.BeforeClass;
import org.junit.Test;
import org.tcpbypass.proxy.linux.RawTcp;
import org.tcpbypass.proxy.linux.Segment;
import org.tcpbypass.proxy.offload.Handoff;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * Hand-offs in network namespaces against a stand-in controller: the state read at hand-off equals what a packet
 * capture of the same connection shows, the proxy closes silently, and every refusal, error or timeout resumes
 * relaying byte-exact.
 */
public class HandoffNetnsTest {
    private static final InetSocketAddress VIP = new InetSocketAddress(Netns.PROXY_CLIENT_SIDE_IP, 8000);
    private static final InetSocketAddress SERVER = new InetSocketAddress(Netns.SERVER_IP, 9000);
    private static final long MOD = 1L << 32;
    /** What the proxy's log may add after a step's duration: how long its thread waited for a CPU. */
    private static final String CPU_WAIT = "(?: \\([0-9.]+ waiting for a CPU\\))?";

    private static Path password;

    @BeforeClass
    public static void namespaces() throws IOException {
        Netns.assumeAvailable();
        password = Files.createTempFile("tbp-password", "");
        password.toFile().deleteOnExit();
        Files.writeString(password, "karaf-pw\n");
    }

    private static ProxyProcess proxy(Netns n, FakeController c, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of(
                "--listen", VIP.getAddress().getHostAddress() + ":8000", "--backend", Netns.SERVER_IP + ":9000",
                "--name", "proxy1", "--device-id", "device:bmv2:s1", "--controller-url", c.url(),
                "--controller-user", "karaf", "--controller-password-file", password.toString(),
                "--offload-bytes", "262144",
                "--report-interval", "200", "--metrics-interval", "0", "--nft-table", "tbp_test", "--verbose"));
        if (!List.of(extra).contains("--offload")) {
            args.addAll(List.of("--offload", "bytes"));
        }
        args.addAll(List.of(extra));
        ProxyProcess p = ProxyProcess.inNamespace(n.proxy, args.toArray(new String[0]));
        if (!p.listening()) {
            // Not returned, so no try-with-resources of the caller's would end it.
            p.close();
            fail(p.output());
        }
        return p;
    }

    /** A listening server socket in the server namespace ({@code sp}) whose connections announce a 32 KiB window. */
    private static java.net.ServerSocket smallWindowServer(ExecutorService sp) throws Exception {
        return sp.submit(() -> {
            java.net.ServerSocket ss = new java.net.ServerSocket();
            ss.setReceiveBufferSize(32768);
            ss.bind(SERVER, 4);
            return ss;
        }).get();
    }

    /** A controller that refuses every offload with 409, after {@code delayMillis}. */
    private static Function<FakeController.Request, FakeController.Answer> alreadyOffloaded(long delayMillis) {
        return FakeController.offloads(
                r -> new FakeController.Answer(409, "{\"message\": \"already offloaded\"}", delayMillis));
    }

    /**
     * Runs {@code connections} clients at once in the client namespace ({@code cp}), seeds from {@code firstSeed},
     * each uploading and downloading {@code bytes} with {@code pauseMicros} between chunks; asserts each byte-exact.
     */
    private static List<Traffic.Result> byteExactClients(ExecutorService cp, int connections, long firstSeed,
                                                         long bytes, long pauseMicros) throws Exception {
        List<Future<Traffic.Result>> pending = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            long seed = firstSeed + i;
            pending.add(cp.submit(() -> Traffic.client(cp, VIP, seed, bytes, bytes, pauseMicros)));
        }
        List<Traffic.Result> results = new ArrayList<>();
        for (Future<Traffic.Result> f : pending) {
            Traffic.Result r = f.get(120, TimeUnit.SECONDS);
            assertTrue(r.downloadIntact);
            assertTrue(r.uploadIntact);
            results.add(r);
        }
        return results;
    }

    @Test
    public void handOffStateEqualsTheCaptureAndTheProxyClosesSilently() throws Exception {
        try (Netns n = new Netns()) {
            // Conntrack on in the proxy's namespace, as on a host with a stateful firewall: the hand-off must not
            // leave the two legs' entries behind (a silently closed socket never ends them).
            Netns.exec(n.proxy, "nft", "add table inet tbp_ct { chain in { type filter hook input priority 0;"
                    + " ct state established counter accept; }; }");
            // The client asks for ECN (the proxy's and the server's namespaces keep Linux's default: accept, never
            // ask), so ECN is negotiated on the client leg only and each leg must report its own.
            Netns.exec(n.client, "sysctl", "-qw", "net.ipv4.tcp_ecn=1");
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
                assertThat(proxy.output(), containsString("(2 conntrack entries deleted)"));
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
                assertTrue("client leg ecn", o.get("clientLeg").get("ecn").asBoolean());
                assertFalse("server leg ecn", o.get("serverLeg").get("ecn").asBoolean());
                assertNoFinOrRstFromProxy(capture.segments());
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

    /**
     * A bypass the controller reports BYPASSED is completed whatever fails after that answer: here the host's firewall
     * drops the proxy's crafted segments from then on, so the ACKs that reopen the peers cannot be sent (EPERM). The
     * proxy still closes both legs silently, lifts their quiesce and never relays beside the bypass, which the switch
     * now carries (the peers resume at their next window probe). It failed before the fix: the failed step fell back
     * to relaying, whose own reopening ACKs failed the same way, and the proxy reset both legs of a bypassed
     * connection.
     */
    @Test
    public void aBypassThatWonIsCompletedWhenReopeningThePeersFails() throws Exception {
        try (Netns n = new Netns()) {
            String log = handOffFailingAfterBypassed(n, post -> Netns.exec(n.proxy, "nft", "add table inet tbp_firewall"
                    + " { chain out { type filter hook output priority 0; meta mark "
                    + org.tcpbypass.proxy.linux.RawTcp.MARK + " drop; }; }"));
            assertThat(log, containsString("cannot send the ACK reopening the client"));
        }
    }

    /**
     * As above, the straggler drop cannot be put in: here the freeze's elements, which it replaces in one netlink
     * transaction, are gone, so the transaction fails as a whole (a drop table of the test's stands in for the switch,
     * which would take the legs' segments away from the proxy). The hand-off still completes and says so.
     */
    @Test
    public void aBypassThatWonIsCompletedWhenTheStragglerDropFails() throws Exception {
        try (Netns n = new Netns()) {
            String log = handOffFailingAfterBypassed(n, post -> {
                InetSocketAddress client = endpoint(post.get("client"));
                InetSocketAddress p = endpoint(post.get("proxyAddress"));
                String flows = Netns.CLIENT_IP + " . " + client.getPort() + " . " + VIP.getAddress().getHostAddress()
                        + " . " + VIP.getPort() + ", " + Netns.SERVER_IP + " . " + SERVER.getPort() + " . "
                        + p.getAddress().getHostAddress() + " . " + p.getPort();
                n.dropInput("tbp_switch", "ip saddr . tcp sport . ip daddr . tcp dport { " + flows + " }");
                Netns.exec(n.proxy, "nft", "delete element inet tbp_test frozen { " + flows + " }");
            });
            assertThat(log, containsString("cannot drop its stragglers"));
        }
    }

    /** What a test does to the proxy's host with the BYPASSED answer; {@code post} is the offload asked for. */
    private interface AtBypassed {
        void run(JsonNode post) throws Exception;
    }

    /**
     * Hands a connection off against a controller that answers the POST OFFLOADING and the GET BYPASSED, running
     * {@code atBypassed} first (see {@link #handOffThatCompletes}). Returns the proxy's log.
     */
    private static String handOffFailingAfterBypassed(Netns n, AtBypassed atBypassed) throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<JsonNode> post = new AtomicReference<>();
        String log = handOffThatCompletes(n, "17", r -> {
            try {
                if (r.method.equals("POST")) {
                    post.set(r.json());
                    return FakeController.record(201, "17", "OFFLOADING", null);
                }
                if (r.path.equals("/offloads/17") && done.compareAndSet(false, true)) {
                    atBypassed.run(post.get());
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return FakeController.record(200, "17", "BYPASSED", null);
        });
        assertTrue("the failure went in with the BYPASSED answer", done.get());
        return log;
    }

    /**
     * Hands one connection off against a controller answering offloads as {@code offloads} does, whose final answer
     * is {@code bypass} BYPASSED; asserts the hand-off completed (never relaying on, no FIN or RST from the proxy, the
     * client still running, the legs' quiesce lifted). Returns the proxy's log.
     */
    private static String handOffThatCompletes(Netns n, String bypass,
                                               Function<FakeController.Request, FakeController.Answer> offloads,
                                               String... proxyArgs) throws Exception {
        ExecutorService sp = Netns.executor(n.server);
        ExecutorService cp = Netns.executor(n.client);
        try (FakeController controller = Netns.in(n.proxy,
                () -> new FakeController(FakeController.offloads(offloads)));
             Traffic.Server server = new Traffic.Server(sp, SERVER, 1000);
             Capture capture = new Capture(n.proxy, VIP, SERVER);
             ProxyProcess proxy = proxy(n, controller, proxyArgs)) {
            Future<Traffic.Result> client = cp.submit(() -> Traffic.client(cp, VIP, 1, 64 << 20, 64 << 20, 1000));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!proxy.output().contains("handed off") && !proxy.output().contains("relaying on")
                    && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            Thread.sleep(500);
            capture.close();
            String log = proxy.output();
            assertThat(log, containsString("as bypass " + bypass));
            assertThat(log, not(containsString("relaying on")));
            assertThat(log, not(containsString("resetting")));
            assertNoFinOrRstFromProxy(capture.segments());
            assertFalse("client must not have finished: the proxy vanished silently", client.isDone());
            assertThat("the legs' quiesce was lifted", quiesced(n), not(containsString("elements")));
            return log;
        } finally {
            sp.shutdownNow();
            cp.shutdownNow();
        }
    }

    /** Asserts that no segment the proxy sent on either leg (from the VIP, to the server) is a FIN or an RST. */
    private static void assertNoFinOrRstFromProxy(List<Segment> segments) {
        for (Segment s : segments) {
            boolean fromProxy = s.source.equals(VIP) || s.destination.equals(SERVER);
            assertFalse("proxy sent FIN or RST: " + s, fromProxy && (s.flags & (Segment.FIN | Segment.RST)) != 0);
        }
    }

    /**
     * The cancel after the deadline goes unanswered (the controller answers later than the proxy waits): the bypass
     * may have won, so the proxy asks again instead of relaying on, and completes the hand-off on the second answer,
     * 409 with the BYPASSED record. It failed before the fix: the unanswered cancel fell back to relaying beside a
     * bypass the controller then reported live.
     */
    @Test
    public void anUnansweredCancelIsAskedAgainAndABypassThatWonIsCompleted() throws Exception {
        AtomicInteger deletes = new AtomicInteger();
        try (Netns n = new Netns()) {
            String log = handOffThatCompletes(n, "17", r -> {
                switch (r.method) {
                    case "POST":
                        return FakeController.record(201, "17", "OFFLOADING", null);
                    case "DELETE":
                        FakeController.Answer bypassed = FakeController.record(409, "17", "BYPASSED", null);
                        // The first answer comes after the proxy's read timeout (500 ms + the 5 s a release may take).
                        return deletes.getAndIncrement() == 0
                                ? new FakeController.Answer(bypassed.status, bypassed.body, 6500) : bypassed;
                    default:
                        return FakeController.record(200, "17", "OFFLOADING", null);
                }
            }, "--offload-timeout", "1000", "--request-timeout", "500");
            assertThat(log, containsString("no answer to the cancel of bypass 17"));
            assertEquals("cancels asked", 2, deletes.get());
        }
    }

    /**
     * No POST is answered within the proxy's timeout (the controller answers each too late), but the first made the
     * bypass, which won: the proxy cancels the request by its idempotency key, gets 409 with the BYPASSED record and
     * completes the hand-off. It failed before the fix: after the third unanswered POST the proxy relayed on
     * ("relaying on: POST /onos/tcp-bypass/offloads timed out") beside the bypass.
     */
    @Test
    public void anUnansweredOffloadIsCancelledByItsKeyAndABypassThatWonIsCompleted() throws Exception {
        List<String> keys = new CopyOnWriteArrayList<>();
        try (Netns n = new Netns()) {
            String log = handOffThatCompletes(n, "17", r -> {
                if (r.method.equals("POST")) {
                    keys.add(r.idempotencyKey);
                    // Later than the POST's read timeout: its own 500 ms plus the wait it asks for (under 1 s).
                    FakeController.Answer made = FakeController.record(201, "17", "OFFLOADING", null);
                    return new FakeController.Answer(made.status, made.body, 3000);
                }
                if (r.method.equals("DELETE") && r.path.equals("/offloads")
                        && r.query.equals("proxy=proxy1&idempotencyKey=" + keys.get(0) + "&ifState=OFFLOADING")) {
                    return FakeController.record(409, "17", "BYPASSED", null);
                }
                return new FakeController.Answer(400, "{\"message\": \"unexpected " + r.method + " " + r.path + "\"}",
                                                 0);
            }, "--offload-timeout", "1000", "--request-timeout", "500");
            assertEquals("one request, asked three times under one key", 3, keys.size());
            assertEquals(1, keys.stream().distinct().count());
            assertThat(log, containsString("no answer to the offload"));
        }
    }

    /**
     * Bypass 17, released after its deadline, had carried the peers for a moment (its entries on the switch until the
     * release withdrew them): the server got a byte the proxy never sent, as if the client's next byte had crossed
     * the switch. Relaying on would stall the connection for good; the proxy offloads the same legs again and hands
     * off. Before the fix it relayed on beside a server one byte ahead of it.
     */
    @Test
    public void peersThatTalkedThroughAReleasedBypassAreOffloadedAgainWithTheSameLegs() throws Exception {
        List<FakeController.Request> posts = new CopyOnWriteArrayList<>();
        try (Netns n = new Netns()) {
            ExecutorService pp = Netns.executor(n.proxy);
            try {
                String log = handOffThatCompletes(n, "18", r -> talkedThrough(r, posts, pp,
                        FakeController.record(201, "18", "BYPASSED", null)), "--offload-timeout", "1000");
                assertEquals("the offload, then the same legs again", 2, posts.size());
                for (String leg : List.of("clientLeg", "serverLeg")) {
                    assertEquals(leg, posts.get(0).json().get(leg), posts.get(1).json().get(leg));
                }
                assertThat(log, containsString("the peers talked through bypass 17 (RELEASED): the server"
                                                       + " acknowledges"));
            } finally {
                pp.shutdownNow();
            }
        }
    }

    /**
     * As above, but the same legs cannot be offloaded again (refused): neither the relay nor the switch can carry the
     * connection on, so both peers are reset at what they acknowledge, each taking its RST.
     */
    @Test
    public void peersThatTalkedThroughAReleasedBypassAreResetWhenItCannotBeMadeAgain() throws Exception {
        List<FakeController.Request> posts = new CopyOnWriteArrayList<>();
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            ExecutorService pp = Netns.executor(n.proxy);
            FakeController.Answer refused = new FakeController.Answer(409, "{\"message\": \"refused\"}", 0);
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(
                    FakeController.offloads(r -> talkedThrough(r, posts, pp, refused))));
                 Traffic.Server server = new Traffic.Server(sp, SERVER, 1000);
                 Capture capture = new Capture(n.proxy, VIP, SERVER);
                 ProxyProcess proxy = proxy(n, controller, "--offload-timeout", "1000")) {
                Future<Traffic.Result> client = cp.submit(() -> Traffic.client(cp, VIP, 1, 64 << 20, 64 << 20, 1000));
                try {
                    client.get(30, TimeUnit.SECONDS);
                    fail("the client's connection went on; the proxy said:\n" + proxy.output());
                } catch (ExecutionException e) {
                    assertThat(e.getCause().toString(), containsString("Connection reset"));
                }
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (server.errors.isEmpty() && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                assertThat(server.errors.toString(), containsString("Connection reset"));
                capture.close();
                JsonNode offload = posts.get(0).json();
                InetSocketAddress proxyAddress = endpoint(offload.get("proxyAddress"));
                long clientRcvNxt = offload.get("clientLeg").get("sndNxt").asLong();
                long serverRcvNxt = (offload.get("serverLeg").get("sndNxt").asLong() + 1) % MOD;
                assertEquals("the client's RST at its rcv_nxt", List.of(clientRcvNxt), resets(capture, VIP));
                assertEquals("the server's RST at its rcv_nxt, one past what the proxy sent", List.of(serverRcvNxt),
                             resets(capture, proxyAddress));
                assertEquals(2, posts.size());
                assertThat(proxy.output(), containsString("resetting the connection: the peers talked through"));
                assertThat("the legs left the filter", quiesced(n), not(containsString("elements")));
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
                pp.shutdownNow();
            }
        }
    }

    /** The seq of each RST the capture holds from {@code source}. */
    private static List<Long> resets(Capture capture, InetSocketAddress source) {
        List<Long> seqs = new ArrayList<>();
        for (Segment seg : capture.segments()) {
            if (seg.source.equals(source) && (seg.flags & Segment.RST) != 0) {
                seqs.add(seg.seq);
            }
        }
        return seqs;
    }

    /*
     * A controller whose bypass 17 carried the peers before its release: the first POST makes it (OFFLOADING until the
     * proxy's deadline), and before the release is answered the server gets, from the proxy's address, the byte at
     * its leg's sndNxt (as the switch would deliver the client's next byte); {@code again} answers the next POST.
     */
    private static FakeController.Answer talkedThrough(FakeController.Request r, List<FakeController.Request> posts,
                                                       ExecutorService proxyNamespace, FakeController.Answer again) {
        switch (r.method) {
            case "POST":
                posts.add(r);
                return posts.size() == 1 ? FakeController.record(201, "17", "OFFLOADING", null) : again;
            case "DELETE":
                try {
                    JsonNode offload = posts.get(0).json();
                    JsonNode leg = offload.get("serverLeg");
                    proxyNamespace.submit(() -> {
                        try (RawTcp raw = new RawTcp()) {
                            // New data at the server's rcv_nxt (the raw socket's one-byte segment), window 0.
                            raw.sendDuplicateByte(endpoint(offload.get("proxyAddress")), SERVER,
                                                  leg.get("sndNxt").asLong(), leg.get("rcvNxt").asLong(), 0,
                                                  leg.get("tsVal").asLong() + 1, leg.get("peerTsVal").asLong());
                        }
                        return null;
                    }).get(5, TimeUnit.SECONDS);
                    // The server's ACK of it reaches the proxy's capture before the release is answered.
                    Thread.sleep(100);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return FakeController.record(200, "17", "RELEASED", null);
            default:
                return FakeController.record(200, "17", "OFFLOADING", null);
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
        // The proxy's window probe (seq sndNxt - 1, sent by leaving repair mode) is its last segment before the
        // request; its TSecr is the peer's newest TSval the proxy accepted: a lower bound of the peer's clock.
        Segment probe = null;
        Segment resume = null;
        for (Segment s : out) {
            if (s.payloadLength == 0 && s.seq == Math.floorMod(sndNxt - 1, MOD)) {
                probe = s;
                resume = null;
            } else if (probe != null && resume == null && s.seq == (sndNxt + 1) % MOD && s.ack == rcvNxt) {
                resume = s;
            }
        }
        assertTrue(leg + ": the proxy's window probe (seq sndNxt - 1) was captured", probe != null);
        assertEquals(leg + " the probe announced window 0 (quiesced)", 0, probe.window);
        long peerTsVal = l.get("peerTsVal").asLong();
        assertEquals(leg + " peerTsVal is the probe's TSecr", probe.tsEcr, peerTsVal);
        List<Long> peerTsVals = new ArrayList<>();
        in.forEach(s -> peerTsVals.add(s.tsVal));
        assertThat(leg + " peerTsVal is a TSval the peer sent", peerTsVals, hasItem(peerTsVal));
        long lastPeerTs = in.get(in.size() - 1).tsVal;
        assertThat(leg + " peerTsVal is not ahead of the peer's clock after the hand-off",
                   (long) (int) (lastPeerTs - peerTsVal), greaterThanOrEqualTo(0L));
        // The peer keeps the TSval of a segment at or below its rcv_nxt for PAWS; the crafted window updates
        // (seq sndNxt + 1) are beyond it and leave no trace.
        Segment newestLocal = null;
        for (Segment s : out) {
            if (s.seq != (sndNxt + 1) % MOD && s.tsVal >= 0
                    && (newestLocal == null || (int) (s.tsVal - newestLocal.tsVal) > 0)) {
                newestLocal = s;
            }
        }
        long lastLocalTs = newestLocal.tsVal;
        long tsVal = l.get("tsVal").asLong();
        assertThat(leg + " tsVal is ahead of every TSval the proxy sent (no TSval goes back), e.g. " + newestLocal,
                   (long) (int) (tsVal - lastLocalTs), greaterThanOrEqualTo(1L));
        assertThat(leg + " tsVal continues the proxy's clock", (long) (int) (tsVal - lastLocalTs), lessThan(2000L));
        // After BYPASSED the peer gets one ACK that ends its persist mode, in the bypass's numbering, with
        // seq = sndNxt + 1 like the ACK that had closed its window.
        assertTrue(leg + ": no ACK resumed the peer after the hand-off", resume != null);
        // The first one already reopens the window (the quiesce is lifted before it leaves): the peer does not wait
        // for a copy.
        assertThat(leg + " the first ACK after the last probe reopens the window", resume.window, greaterThan(0));
        // Its TSval runs ahead by the lead plus the milliseconds since the other endpoint was last heard, so the
        // other endpoint's segments the switch translates before it arrives cannot make PAWS drop it.
        long ahead = (int) (resume.tsVal - tsVal);
        assertThat(leg + " resume ACK TSval is ahead of tsVal by at least the lead", ahead,
                   greaterThanOrEqualTo(Handoff.REOPEN_TS_LEAD));
        assertThat(leg + " resume ACK TSval is ahead by the lead plus the hand-off's milliseconds at most", ahead,
                   lessThan(Handoff.REOPEN_TS_LEAD + 5000));
        assertEquals(leg + " resume ACK TSecr", peerTsVal, resume.tsEcr);
        // No peer gets a byte after the resume: a duplicate byte meant to heal an overtaken reopening ACK was tried
        // and removed (it added tail-loss probes to 50 hand-offs at once in the lab; README, Limitations).
        List<Segment> all = capture.segments();
        for (Segment s : all.subList(all.indexOf(resume) + 1, all.size())) {
            assertFalse(leg + ": no byte after the resume: " + s,
                        s.isFrom(local, peer) && s.payloadLength == 1 && s.seq == Math.floorMod(sndNxt - 1, MOD));
        }
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
            if (r.method.equals("DELETE") && r.path.equals("/offloads")) {
                // The unanswered request, cancelled by its key, never made a record.
                return new FakeController.Answer(204, "", 0);
            }
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
                    // Later than the POST's timeout: its own 500 ms plus the wait it asks for (the rest of 2 s).
                    return new FakeController.Answer(201, "{}", 4000);
            }
        };
        int connections = 6;
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(
                    FakeController.offloads(behaviour)));
                 Traffic.Server server = new Traffic.Server(sp, SERVER, 500);
                 ProxyProcess proxy = proxy(n, controller, "--offload-timeout", "2000", "--request-timeout",
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
                List<FakeController.Request> offloadPosts = controller.requests("POST", "/offloads");
                assertEquals("one POST per connection, the unanswered one asked three times in all; the proxy"
                                     + " said:\n" + proxy.output(), connections + 2, offloadPosts.size());
                assertEquals("the retries carry the first attempt's idempotency key", 1,
                             offloadPosts.subList(connections - 1, connections + 2).stream()
                                     .map(r -> r.idempotencyKey).distinct().count());
                assertEquals("every connection has its own key", connections,
                             offloadPosts.stream().map(r -> r.idempotencyKey).distinct().count());
                List<String> deleted = new ArrayList<>();
                for (FakeController.Request r : controller.requests("DELETE", "/offloads/")) {
                    deleted.add(r.path);
                }
                assertEquals("only the bypass that outlived the deadline is released", List.of("/offloads/stuck"),
                             deleted);
                FakeController.Request unanswered = offloadPosts.get(connections - 1);
                assertEquals("the unanswered request cancelled by its key, once",
                             List.of("proxy=" + unanswered.json().get("proxy").asText() + "&idempotencyKey="
                                             + unanswered.idempotencyKey + "&ifState=OFFLOADING"),
                             controller.requests("DELETE", "/offloads").stream()
                                     .filter(r -> r.path.equals("/offloads")).map(r -> r.query)
                                     .collect(Collectors.toList()));
                proxy.close();
                assertThat(proxy.output(), containsString("fallbacks=" + connections));
                assertThat(proxy.output(), containsString("answered 403"));
                assertThat(proxy.output(), containsString("answered 500"));
                assertThat(proxy.output(), containsString("is FAILED (device offline)"));
                assertThat(proxy.output(), containsString("answer is not JSON"));
                assertThat(proxy.output(), containsString("timed out"));
                assertThat(proxy.output(), containsString("the controller made no bypass of it"));
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

    /**
     * Sixteen connections on one relay worker, their peers writing 16 KiB every 300 µs both ways until the
     * window-closing ACK reaches them: payload that lands after the barrier's first drain but before its probe
     * reads rcvNxt (the worker busy with the others) is still relayed and acknowledged before the freeze, which
     * drops the ACKs for anything relayed later, so no hand-off is postponed at the freeze.
     */
    @Test
    public void payloadBetweenTheDrainAndTheProbeIsAcknowledgedBeforeTheFreeze() throws Exception {
        int connections = 16;
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(alreadyOffloaded(0)));
                 Traffic.Server server = new Traffic.Server(sp, SERVER, 300);
                 ProxyProcess proxy = proxy(n, controller, "--threads", "1")) {
                byteExactClients(cp, connections, 200, 4 << 20, 300);
                proxy.close();
                assertThat(proxy.output(), not(containsString("not drained at the freeze")));
                assertThat(proxy.output(), containsString("fallbacks=" + connections));
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    /**
     * The barrier's probe is answered by a peer at the end of what it sent or at the end of its send window, whichever
     * is less. Here the server's late segment is seen by the proxy's capture and dropped by its input filter (the
     * leg takes it only from a retransmission, after the hand-off), while a hole on the client leg holds the drain
     * until the server has sent it: the server's answer carries the leg's rcvNxt, below the end of what the capture
     * showed, and counts at once (counting only answers at that end, the barrier waited out the probe timeout). The
     * late bytes and those around the hole are relayed byte-exact once the refused hand-off resumes relaying.
     */
    @Test
    public void anAnswerBelowPayloadTheLegNeverTookCounts() throws Exception {
        int hole = 1111;
        int above = 5000;
        int late = 1222;
        byte[] upload = new byte[hole + above];
        Arrays.fill(upload, 0, hole, (byte) 'h');
        Arrays.fill(upload, hole, upload.length, (byte) 'a');
        byte[] download = new byte[late];
        Arrays.fill(download, (byte) 'l');
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            CountDownLatch sendLate = new CountDownLatch(1);
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(alreadyOffloaded(0)));
                 java.net.ServerSocket listener = Netns.in(n.server, () -> new java.net.ServerSocket(
                         SERVER.getPort(), 4, SERVER.getAddress()));
                 ProxyProcess proxy = proxy(n, controller, "--offload", "handshake")) {
                // Only these segments have these sizes (IPv4 20, TCP 20, timestamps 12, payload); each rule drops
                // its segment's retransmissions too, until its table goes.
                n.dropInput("tbp_hole_test", "tcp dport " + VIP.getPort() + " ip length " + (52 + hole));
                n.dropInput("tbp_late_test", "tcp sport " + SERVER.getPort() + " ip length " + (52 + late));
                Future<byte[]> server = sp.submit(() -> {
                    try (Socket s = listener.accept()) {
                        s.setTcpNoDelay(true);
                        assertTrue(sendLate.await(30, TimeUnit.SECONDS));
                        s.getOutputStream().write(download);
                        return s.getInputStream().readNBytes(upload.length);
                    }
                });
                try (Socket c = Netns.in(n.client, () -> {
                    Socket x = new Socket();
                    x.setTcpNoDelay(true);
                    x.connect(VIP, 5000);
                    return x;
                })) {
                    // Two segments: the first is lost, the second lands above the hole and holds the drain.
                    c.getOutputStream().write(upload, 0, hole);
                    c.getOutputStream().write(upload, hole, above);
                    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (!quiesced(n).contains("elements") && System.nanoTime() < end) {
                        Thread.sleep(5);
                    }
                    assertThat("the hand-off quiesced the legs", quiesced(n), containsString("elements"));
                    Thread.sleep(50);
                    assertEquals("the drain still waits for the hole; proxy log:\n" + proxy.output(), 0,
                                 posts(controller));
                    sendLate.countDown();
                    Thread.sleep(50);
                    Netns.exec(n.proxy, "nft", "delete", "table", "inet", "tbp_hole_test");
                    while (!proxy.output().contains("relaying on") && System.nanoTime() < end) {
                        Thread.sleep(10);
                    }
                    assertThat(proxy.output(), containsString("relaying on"));
                    assertEquals("offered once", 1, posts(controller));
                    Netns.exec(n.proxy, "nft", "delete", "table", "inet", "tbp_late_test");
                    c.setSoTimeout(10_000);
                    assertArrayEquals("the late bytes, relayed after the refusal", download,
                                      c.getInputStream().readNBytes(late));
                    assertArrayEquals("the bytes around the hole, in order", upload, server.get(10, TimeUnit.SECONDS));
                }
                proxy.close();
                assertThat("the server's answer counted at once; proxy log:\n" + proxy.output(), proxy.output(),
                           not(containsString("no answer to the window probe")));
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    /**
     * A request/response peer (an echo server) that writes against the quiesce's zero window stops reading, so what
     * the proxy holds for it would never drain: it is let through (its window reopened while the client stays
     * quiesced) until it has read what the proxy holds, and the hand-off goes on to the controller instead of being
     * postponed. Measured on BMv2 before the let-through: every such hand-off postponed; lab scenario 2 handed off
     * 8 to 40 of its 50 echo connections with three tries.
     */
    @Test
    public void aPeerThatWritesBeforeItReadsIsLetThroughAndTheHandOffGoesOn() throws Exception {
        // More than the proxy buffers (its splice pipe alone holds megabytes): the client still writes at the quiesce.
        long bytes = 32L << 20;
        int request = Traffic.CHUNK;
        int answer = Traffic.CHUNK;
        long answered = bytes / request * answer;
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(alreadyOffloaded(0)));
                 // A small receive window, so the server's writes block against the zero window within a few
                 // segments while what the client sent waits unread.
                 java.net.ServerSocket echo = smallWindowServer(sp);
                 ProxyProcess proxy = proxy(n, controller, "--drain-timeout", "20000")) {
                // Each 16 KiB request draws a 16 KiB answer, written before the next request is read: at the quiesce the
                // server blocks writing within its buffers while megabytes the client sent wait in front of it.
                Future<byte[]> requests = sp.submit(() -> {
                    try (Socket s = echo.accept()) {
                        s.setSendBufferSize(16384);
                        java.io.DataInputStream in = new java.io.DataInputStream(s.getInputStream());
                        java.security.MessageDigest d = Traffic.sha256();
                        byte[] b = new byte[request];
                        for (long i = 0; i < bytes / request; i++) {
                            in.readFully(b);
                            d.update(b);
                            s.getOutputStream().write(Traffic.chunk(42, i, answer));
                        }
                        return d.digest();
                    }
                });
                byte[] digest = cp.submit(() -> {
                    try (Socket c = new Socket()) {
                        c.connect(VIP, 5000);
                        c.setSoTimeout(60000);
                        Future<?> writer = cp.submit(() -> {
                            Traffic.send(c.getOutputStream(), 41, bytes, 0);
                            c.shutdownOutput();
                            return null;
                        });
                        java.security.MessageDigest d = Traffic.sha256();
                        long[] got = Traffic.receive(c.getInputStream(), d, answered);
                        writer.get(60, TimeUnit.SECONDS);
                        assertEquals("answered bytes", answered, got[0]);
                        return d.digest();
                    }
                }).get(90, TimeUnit.SECONDS);
                assertTrue("the requests are byte-exact", Arrays.equals(Traffic.digest(41, bytes),
                                                                        requests.get(60, TimeUnit.SECONDS)));
                assertTrue("the answers are byte-exact", Arrays.equals(Traffic.digest(42, answered), digest));
                proxy.close();
                String out = proxy.output();
                assertThat("the echo server was let through", out, containsString("let through"));
                assertThat("no hand-off postponed", out, not(containsString("relaying on: a peer took none")));
                assertThat(out, not(containsString("legs not drained")));
                // The one hand-off drained, passed the barrier and asked the controller, which refused (409).
                assertEquals("offloads asked for: " + out, 1, posts(controller));
                Matcher asked = Pattern.compile("hand-off of .* after queued \\S+ ms" + CPU_WAIT + " quiesce \\S+ ms"
                                                        + CPU_WAIT + " drain (\\d+\\.\\d) ms").matcher(out);
                assertTrue(out, asked.find());
                System.out.printf(Locale.ROOT, "server let through %d times: drained %s ms after the quiesce%n",
                                  count(out, "let through"), asked.group(1));
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    /**
     * A peer that does not read at all, even with its window reopened, is let through once (after 50 ms without
     * progress, looked at every 25 ms however long the nudge interval has grown) and postponed 500 ms later, not at
     * the drain timeout (20 s here); offered again once it reads, and byte-exact. Measured on BMv2 before the stall
     * check: postponed after 19.3 s.
     */
    @Test
    public void aPeerThatDoesNotReadPostponesTheHandOffWithinTheStallTime() throws Exception {
        long bytes = 8L << 20;
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(alreadyOffloaded(0)));
                 // A small receive window, closed long before the client's upload ends.
                 java.net.ServerSocket sink = smallWindowServer(sp);
                 ProxyProcess proxy = proxy(n, controller, "--drain-timeout", "20000")) {
                // The server's download passes the policy's 256 KiB while its window for the upload is closed; it
                // reads nothing for 3 s.
                Future<byte[]> received = sp.submit(() -> {
                    try (Socket s = sink.accept()) {
                        Traffic.send(s.getOutputStream(), 44, 1 << 20, 0);
                        Thread.sleep(3000);
                        java.security.MessageDigest d = Traffic.sha256();
                        assertEquals("bytes the server read", bytes, Traffic.receive(s.getInputStream(), d, bytes)[0]);
                        return d.digest();
                    }
                });
                byte[] download = cp.submit(() -> {
                    try (Socket c = new Socket()) {
                        c.connect(VIP, 5000);
                        c.setSoTimeout(60000);
                        Future<?> writer = cp.submit(() -> {
                            Traffic.send(c.getOutputStream(), 43, bytes, 0);
                            c.shutdownOutput();
                            return null;
                        });
                        java.security.MessageDigest d = Traffic.sha256();
                        assertEquals("bytes the client read", 1 << 20,
                                     Traffic.receive(c.getInputStream(), d, 1 << 20)[0]);
                        writer.get(60, TimeUnit.SECONDS);
                        return d.digest();
                    }
                }).get(60, TimeUnit.SECONDS);
                assertTrue("download byte-exact", Arrays.equals(Traffic.digest(44, 1 << 20), download));
                assertTrue("upload byte-exact", Arrays.equals(Traffic.digest(43, bytes),
                                                              received.get(60, TimeUnit.SECONDS)));
                proxy.close();
                String out = proxy.output();
                Matcher stalled = Pattern.compile("abandoned (\\d+\\.\\d) ms" + CPU_WAIT
                                                          + ", relaying on: a peer took none").matcher(out);
                List<Double> postponed = new ArrayList<>();
                while (stalled.find()) {
                    postponed.add(Double.parseDouble(stalled.group(1)));
                }
                assertFalse("no hand-off saw the stall: " + out, postponed.isEmpty());
                assertThat("let through before the postponement", out, containsString("let through"));
                for (double ms : postponed) {
                    assertThat("quiesce to postponement (ms), of " + postponed, ms, lessThan(2000.0));
                }
                assertThat(out, not(containsString("legs not drained")));
                System.out.printf(Locale.ROOT, "sink that does not read: %d hand-offs postponed after %s ms%n",
                                  postponed.size(), postponed);
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    /**
     * A connection that ends while its hand-off has it quiesced (here the client resets it while the server does not
     * read, so the drain waits): the hand-off gives up without touching a closed socket, and its flows leave the
     * filter. Before the fix the quiesce entries stayed (a later connection with the same addresses and ports would
     * have announced window 0 for good) and the hand-off read TCP_INFO on a closed descriptor (errno 9, seen in lab
     * scenario 2), whose number a new connection may already hold.
     */
    @Test
    public void aConnectionThatEndsWhileQuiescedLeavesNothingInTheFilter() throws Exception {
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(alreadyOffloaded(0)));
                 java.net.ServerSocket sink = smallWindowServer(sp);
                 ProxyProcess proxy = proxy(n, controller, "--drain-timeout", "20000")) {
                // The server's download passes the policy's 256 KiB; then it reads nothing, so the drain waits.
                Future<?> server = sp.submit(() -> {
                    try (Socket s = sink.accept()) {
                        Traffic.send(s.getOutputStream(), 46, 1 << 20, 0);
                        Thread.sleep(5000);
                    } catch (java.net.SocketException e) {
                        // The proxy resets this leg once the client has reset its own, maybe while this still sends.
                    }
                    return null;
                });
                Socket c = Netns.in(n.client, () -> {
                    Socket x = new Socket();
                    x.connect(VIP, 5000);
                    return x;
                });
                Future<?> upload = cp.submit(() -> {
                    Traffic.send(c.getOutputStream(), 45, 8L << 20, 0);
                    return null;
                });
                cp.submit(() -> Traffic.receive(c.getInputStream(), Traffic.sha256(), 1 << 20));
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!quiesced(n).contains("elements") && System.nanoTime() < end) {
                    Thread.sleep(5);
                }
                assertThat("the hand-off quiesced the legs", quiesced(n), containsString("elements"));
                c.setSoLinger(true, 0);
                c.close();
                while (!proxy.output().contains("relaying on") && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                assertThat(proxy.output(), containsString("relaying on"));
                // The hand-off logs that line, then falls back (which thaws the flows).
                long thawed = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (quiesced(n).contains("elements") && System.nanoTime() < thawed) {
                    Thread.sleep(20);
                }
                // The proxy's log says where a fallback that left the entry stopped.
                assertThat("no quiesce entry left; proxy log:\n" + proxy.output(), quiesced(n),
                           not(containsString("elements")));
                assertThat("no freeze entry left", n.nftSet("tbp_test", "frozen"), not(containsString("elements")));
                upload.cancel(true);
                server.get(30, TimeUnit.SECONDS);
                proxy.close();
                assertThat(proxy.output(), not(containsString("errno 9")));
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    private static String quiesced(Netns n) throws IOException {
        return n.nftSet("tbp_test", "quiesced");
    }

    /** Stall of refused hand-offs under continuous traffic both ways; p50/p99 to target/proxy-figures.txt. */
    @Test
    public void fallbackStallUnderContinuousTraffic() throws Exception {
        int connections = 16;
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(alreadyOffloaded(0)));
                 Traffic.Server server = new Traffic.Server(sp, SERVER, 1000);
                 ProxyProcess proxy = proxy(n, controller)) {
                double[] stalls = byteExactClients(cp, connections, 40, 8 << 20, 1000).stream()
                        .mapToDouble(r -> r.downloadGapNanos / 1e6).toArray();
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

    /**
     * A socket closed in repair mode frees its port at once, so a later connect() to the same backend could take
     * the 4-tuple the switch still translates. While the controller lists the bypass the port stays bound (a bind()
     * to it fails); once it no longer does, the port is free again.
     */
    @Test
    public void aHandedOffServerPortStaysReservedWhileItsBypassLives() throws Exception {
        AtomicBoolean listed = new AtomicBoolean(true);
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(FakeController.offloads(r -> {
                    if (r.method.equals("POST")) {
                        return FakeController.record(201, "17", "OFFLOADING", null);
                    }
                    if (r.path.equals("/offloads")) {
                        return new FakeController.Answer(200, "{\"offloads\": [" + (listed.get()
                                ? FakeController.record(200, "17", "BYPASSED", null).body : "") + "]}", 0);
                    }
                    return FakeController.record(200, "17", "BYPASSED", null);
                })));
                 Traffic.Server server = new Traffic.Server(sp, SERVER, 1000);
                 ProxyProcess proxy = proxy(n, controller, "--reservation-sweep", "1")) {
                cp.submit(() -> Traffic.client(cp, VIP, 1, 8 << 20, 8 << 20, 1000));
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!proxy.output().contains("as bypass 17") && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                assertThat(proxy.output(), containsString("as bypass 17"));
                InetSocketAddress port = endpoint(controller.requests("POST", "/offloads").get(0).json()
                                                           .get("proxyAddress"));
                Thread.sleep(1500);
                assertEquals("while bypass 17 lives its server-leg port is taken", "in use", tryBind(n, port));
                listed.set(false);
                Thread.sleep(2500);
                assertEquals("once the controller no longer lists it the port is free", "free", tryBind(n, port));
                assertTrue("the proxy asked which bypasses live", controller.requests("GET", "/offloads").stream()
                        .anyMatch(r -> r.path.equals("/offloads") && r.query.contains("state=BYPASSED")));
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    private static String tryBind(Netns n, InetSocketAddress local) throws Exception {
        return Netns.in(n.proxy, () -> {
            try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open()) {
                c.bind(local);
                return "free";
            } catch (java.net.BindException e) {
                return "in use";
            }
        });
    }

    /** The named TCP counters, summed over one namespace. */
    static long counters(String ns, String... names) throws IOException {
        long sum = 0;
        for (String line : Netns.exec(ns, "nstat", "-a", "-z", "-s").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && List.of(names).contains(f[0])) {
                sum += Long.parseLong(f[1]);
            }
        }
        return sum;
    }

    /** TcpRetransSegs + TCPLossProbes + TCPTimeouts of both endpoints' namespaces. */
    static long retransmissions(Netns n) throws IOException {
        String[] names = {"TcpRetransSegs", "TcpExtTCPLossProbes", "TcpExtTCPTimeouts"};
        return counters(n.client, names) + counters(n.server, names);
    }

    /** Retransmission timeouts of both endpoints' namespaces. */
    static long timeouts(Netns n) throws IOException {
        return counters(n.client, "TcpExtTCPTimeouts") + counters(n.server, "TcpExtTCPTimeouts");
    }

    /** Segments the hand-off's freeze dropped so far (the nft counters of its drop rules). */
    static long freezeDrops(String ns, String table) throws IOException {
        String chain = Netns.exec(ns, "nft", "list", "chain", "inet", table, "freeze");
        long sum = 0;
        Matcher m = Pattern.compile("counter packets (\\d+)").matcher(chain);
        while (m.find()) {
            sum += Long.parseLong(m.group(1));
        }
        return sum;
    }

    /**
     * Quiesce, drain, repair and resume under traffic both ways, for 1 connection at 16 MB/s each way and for 16
     * simultaneous ones (the proxy's default maximum) at 2 MB/s each way: the controller refuses, so every step of
     * a hand-off but the close runs and the relay resumes. The freeze must drop nothing and no endpoint may
     * wait a retransmission timeout. The endpoints' retransmission counters go into the figure, not an
     * assertion: with 16 connections on the busy 2-core machine the endpoints send spurious tail-loss probes
     * with or without a hand-off (measured with offload policy never: 60 to 130 per run), and the single
     * connection, 0 in most runs, showed 1 in one of five.
     */
    @Test
    public void quiesceAndResumeLoseNothingAndRetransmitNothing() throws Exception {
        for (int[] run : new int[][] {{1, 1000}, {16, 8000}}) {
            int connections = run[0];
            try (Netns n = new Netns()) {
                ExecutorService sp = Netns.executor(n.server);
                ExecutorService cp = Netns.executor(n.client);
                try (FakeController controller = Netns.in(n.proxy, () -> new FakeController(alreadyOffloaded(5)));
                     Traffic.Server server = new Traffic.Server(sp, SERVER, run[1]);
                     ProxyProcess proxy = proxy(n, controller)) {
                    long before = retransmissions(n);
                    long timeoutsBefore = timeouts(n);
                    double[] gaps = byteExactClients(cp, connections, 70, 4 << 20, run[1]).stream()
                            .mapToDouble(r -> r.downloadGapNanos / 1e6).toArray();
                    long retrans = retransmissions(n) - before;
                    long rtos = timeouts(n) - timeoutsBefore;
                    long dropped = freezeDrops(n.proxy, "tbp_test");
                    double[] upload = server.gaps.stream().mapToDouble(g -> g / 1e6).sorted().toArray();
                    Arrays.sort(gaps);
                    proxy.close();
                    System.out.println(proxy.output());
                    Matcher fallbacks = Pattern.compile("fallbacks=(\\d+)").matcher(proxy.output());
                    assertTrue(proxy.output(), fallbacks.find());
                    // A hand-off postponed (not drained in time) falls back and is offered again: at least one each.
                    assertThat(Long.parseLong(fallbacks.group(1)), greaterThanOrEqualTo((long) connections));
                    String figure = String.format(Locale.ROOT,
                            "quiesce: %d concurrent connections, 4 MiB each way at %d MB/s, each hand-off refused"
                                    + " (409): longest gap per connection, download p50=%.0f ms p99=%.0f ms, upload"
                                    + " p50=%.0f ms p99=%.0f ms; segments dropped by the freeze %d; endpoints'"
                                    + " retransmissions %d; proxy %s", connections, 16000 / run[1],
                            Metrics.percentile(gaps, 50), Metrics.percentile(gaps, 99),
                            Metrics.percentile(upload, 50), Metrics.percentile(upload, 99), dropped, retrans,
                            proxy.output().replaceAll("(?s).*(freeze ms [^;]*);.*", "$1"));
                    RelayNetnsTest.Figures.record(figure);
                    assertEquals("segments the freeze dropped: " + figure, 0, dropped);
                    assertEquals("retransmission timeouts at client and server: " + figure, 0, rtos);
                    // On a clean link each peer answers the barrier's probe at once. Answers that came back before the
                    // kernel's own window probe left were missed, and nearly every hand-off waited out the probe
                    // timeout. In the lab, payload that reached a leg between the barrier's read of rcvNxt and its
                    // probe made a miss (the answer carries that payload's end; fixed 2026-12-02, see
                    // anAnswerBelowPayloadTheLegNeverTookCounts). The bound stays loose for the loaded 2-core machine.
                    int attempts = count(proxy.output(), "hand-off of ");
                    int missed = count(proxy.output(), "no answer to the window probe");
                    assertThat("hand-offs that waited out the probe timeout, of " + attempts, missed * 5,
                               lessThanOrEqualTo(attempts));
                } finally {
                    sp.shutdownNow();
                    cp.shutdownNow();
                }
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

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + what.length())) {
            n++;
        }
        return n;
    }
}
