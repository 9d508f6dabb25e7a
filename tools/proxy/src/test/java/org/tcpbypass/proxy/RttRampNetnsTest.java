package org.tcpbypass.proxy;

import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;
import org.tcpbypass.proxy.linux.QueueDelay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

/**
 * The proxy's RTT ramp on both mechanisms (nfnetlink_queue on every kernel, netem where the kernel has it): each
 * sender's RTT, read from its own socket with ss, rises in steps from its leg's RTT towards the two legs' sum; the
 * transfer stays byte-exact, the queue drops nothing, the interfaces' qdiscs never change (the netem ramp adds only
 * its IFB and ingress hooks), and the packet filter is as before once the proxy exits. The legs' own RTTs come from the same delay line in the client's and the server's namespaces.
 */
public class RttRampNetnsTest {
    private static final InetSocketAddress VIP = new InetSocketAddress(Netns.PROXY_CLIENT_SIDE_IP, 8000);
    private static final InetSocketAddress SERVER = new InetSocketAddress(Netns.SERVER_IP, 9000);
    private static final int CLIENT_LEG_MILLIS = 40;
    private static final int SERVER_LEG_MILLIS = 80;
    private static final String FAILED = "relaying on: bypass 9 is FAILED (device offline)";
    private static final Pattern RTT = Pattern.compile("\\brtt:([0-9.]+)/");
    private static final Pattern PEERS = Pattern.compile("(\\S+):(\\d+)\\s+(\\S+):(\\d+)");

    @BeforeClass
    public static void namespaces() throws IOException {
        Netns.assumeAvailable();
    }

    @Test
    public void bothSendersRttRisesInStepsByteExactWithoutDropsAndTheHostIsUntouched() throws Exception {
        ramp("queue");
    }

    @Test
    public void onNetemTooTheInterfacesKeepTheirQdiscs() throws Exception {
        ramp("netem");
    }

    /**
     * Two overlapping ramps with {@code mechanism}. The queue touches no qdisc at all; netem adds only its IFB and
     * an ingress hook, and the netem run needs a kernel with netem.
     */
    private static void ramp(String mechanism) throws Exception {
        boolean netem = mechanism.equals("netem");
        try (Netns n = new Netns()) {
            if (netem) {
                Assume.assumeTrue("sch_netem is not in this kernel (CONFIG_NET_SCH_NETEM): the netem ramp is tested"
                                          + " where it is", Netns.hasNetem(n.proxy));
            }
            String qdiscs = qdiscs(n, netem);
            String rules = Netns.exec(n.proxy, "nft", "list", "ruleset");
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (LegDelay clientLeg = new LegDelay(n.client);
                 LegDelay serverLeg = new LegDelay(n.server);
                 FakeController controller = Netns.in(n.proxy, () -> new FakeController(FakeController.offloads(
                         r -> FakeController.record(r.method.equals("POST") ? 201 : 200, "9", "FAILED",
                                                    "device offline"))));
                 Traffic.Server server = new Traffic.Server(sp, SERVER, 16000)) {
                ProxyProcess proxy = ProxyProcess.inNamespace(n.proxy,
                        "--listen", VIP.getAddress().getHostAddress() + ":8000", "--backend", Netns.SERVER_IP + ":9000",
                        "--name", "proxy1", "--device-id", "device:bmv2:s1", "--controller-url", controller.url(),
                        "--offload", "bytes", "--offload-bytes", String.valueOf(3 << 20), "--metrics-interval", "0",
                        "--nft-table", "tbp_ramp_test", "--verbose", "--max-handoffs", "1", "--drain-timeout", "6000",
                        "--rtt-ramp", "true", "--rtt-ramp-interval", "600", "--rtt-ramp-dwell", "3000",
                        "--rtt-ramp-mechanism", mechanism);
                assertTrue(proxy.output(), proxy.listening());
                assertThat(proxy.output(), containsString(netem ? "RTT ramp holds segments in netem on IFB tbp-ramp"
                        : "RTT ramp holds segments in netfilter queue 7301"));
                assertEquals("the ramp changes no qdisc", qdiscs, qdiscs(n, netem));
                // Two connections, the second while the first ramps: neither waits for the other's ramp.
                List<Future<Traffic.Result>> results = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    long seed = 40 + i;
                    results.add(cp.submit(() -> Traffic.client(cp, VIP, seed, 16 << 20, 16 << 20, 16000)));
                    delayLegs(n, clientLeg, serverLeg, i + 1);
                }
                List<double[]> clientRtts = new ArrayList<>();
                List<double[]> serverRtts = new ArrayList<>();
                long start = System.nanoTime();
                long end = start + TimeUnit.SECONDS.toNanos(60);
                while (countOf(proxy.output(), FAILED) < 2 && System.nanoTime() < end) {
                    double t = (System.nanoTime() - start) / 1e9;
                    clientRtts.add(new double[] {t, rtt(n.client, "dport = :8000")});
                    serverRtts.add(new double[] {t, rtt(n.server, "sport = :9000")});
                    assertEquals("the ramp changes no qdisc", qdiscs, qdiscs(n, netem));
                    Thread.sleep(100);
                }
                String queueStats = Netns.exec(n.proxy, "cat", "/proc/net/netfilter/nfnetlink_queue");
                for (Future<Traffic.Result> f : results) {
                    Traffic.Result r = f.get(120, TimeUnit.SECONDS);
                    assertTrue("download intact", r.downloadIntact);
                    assertTrue("upload intact", r.uploadIntact);
                }
                assertEquals(List.of(), server.errors);
                proxy.close();
                String out = proxy.output();
                System.out.println("client RTTs " + text(clientRtts) + "\nserver RTTs " + text(serverRtts)
                                           + "\nqueue " + queueStats);
                assertEquals(out, 2, countOf(out, FAILED));
                assertEquals(out, 2, countOf(out, "rtt ramp ended"));
                // Both ramped at once: the second ramp reached its target without waiting for the first's (2.4 s of
                // steps, then 3 s of dwell) or its hand-off.
                List<LocalDateTime> ramped = new ArrayList<>();
                for (String line : out.split("\n")) {
                    if (line.contains("RTT ramp of")) {
                        ramped.add(LocalDateTime.parse(line.substring(0, 23)));
                    }
                }
                assertThat(out, Duration.between(ramped.get(0), ramped.get(1)).toMillis(), lessThan(2000L));
                assertThat(out, not(containsString("overflowed")));
                if (!netem) {
                    // /proc/net/netfilter/nfnetlink_queue: queue, portid, waiting, copy mode, range, dropped, user
                    // dropped
                    String[] q = queueStats.trim().split("\\s+");
                    assertEquals(queueStats, "7301", q[0]);
                    assertEquals("queue full drops: " + queueStats, "0", q[5]);
                    assertEquals("socket full drops: " + queueStats, "0", q[6]);
                }
                checkSteps("client", clientRtts, CLIENT_LEG_MILLIS, CLIENT_LEG_MILLIS + SERVER_LEG_MILLIS);
                checkSteps("server", serverRtts, SERVER_LEG_MILLIS, CLIENT_LEG_MILLIS + SERVER_LEG_MILLIS);
                assertEquals("the ramp changed no qdisc", qdiscs, qdiscs(n, netem));
                assertEquals("the packet filter is as before", rules, Netns.exec(n.proxy, "nft", "list", "ruleset"));
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    /**
     * The sender's RTT reaches the legs' sum (within 10 ms) and, for 20 ms steps every 600 ms sampled every 100 ms,
     * stays at least twice between its own leg's and the sum, 10 ms from either: a jump would pass in one sample.
     */
    private static void checkSteps(String who, List<double[]> rtts, int leg, int sum) {
        String all = who + " RTTs " + text(rtts);
        double top = rtts.stream().mapToDouble(r -> r[1]).max().orElse(0);
        assertThat(all, top, greaterThan(sum - 10.0));
        long between = rtts.stream().filter(r -> r[1] > leg + 10 && r[1] < sum - 10).count();
        assertThat(all, between, greaterThan(1L));
    }

    /** Waits for the {@code count}-th connection on both legs and delays each leg's segments towards its end. */
    private static void delayLegs(Netns n, LegDelay clientLeg, LegDelay serverLeg, int count) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        Set<String> seen = new HashSet<>();
        while (seen.size() < 2 * count && System.nanoTime() < end) {
            for (InetSocketAddress[] p : peers(n.client, "dport = :8000")) {
                if (seen.add("c" + p[0])) {
                    clientLeg.delay(p[1], p[0], CLIENT_LEG_MILLIS);
                }
            }
            for (InetSocketAddress[] p : peers(n.server, "sport = :9000")) {
                if (seen.add("s" + p[1])) {
                    serverLeg.delay(p[1], p[0], SERVER_LEG_MILLIS);
                }
            }
            Thread.sleep(20);
        }
        assertEquals("connections seen", 2 * count, seen.size());
    }

    /** Established connections matching {@code filter} in {@code ns}: {local, peer}. */
    private static List<InetSocketAddress[]> peers(String ns, String filter) throws IOException {
        List<InetSocketAddress[]> out = new ArrayList<>();
        for (String line : Netns.exec(ns, "ss", "-tnH", "state", "established", filter).split("\n")) {
            Matcher m = PEERS.matcher(line);
            if (m.find()) {
                out.add(new InetSocketAddress[] {new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2))),
                                                 new InetSocketAddress(m.group(3), Integer.parseInt(m.group(4)))});
            }
        }
        return out;
    }

    /** The smoothed RTT (ms) of the first established connection matching {@code filter}, 0 if none. */
    private static double rtt(String ns, String filter) throws IOException {
        Matcher m = RTT.matcher(Netns.exec(ns, "ss", "-tinH", "state", "established", filter));
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** The proxy's qdiscs; for netem but the ramp's own: its IFB's and the clsact hooks it adds while it holds. */
    private static String qdiscs(Netns n, boolean netem) throws IOException {
        String all = Netns.exec(n.proxy, "tc", "qdisc", "show");
        return netem ? all.replaceAll("(?m)^qdisc (\\S+ \\S+ dev tbp-ramp |clsact )" + ".*\n", "") : all;
    }

    private static int countOf(String text, String what) {
        int count = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            count++;
        }
        return count;
    }

    private static String text(List<double[]> samples) {
        StringBuilder b = new StringBuilder();
        for (double[] s : samples) {
            b.append(String.format(java.util.Locale.ROOT, " %.1fs:%.0f", s[0], s[1]));
        }
        return b.toString();
    }

    /** A leg's one-way delay, made in an end's namespace by the proxy's own delay line. */
    private static final class LegDelay implements AutoCloseable {
        private final String ns;
        private final QueueDelay delay;

        LegDelay(String ns) throws Exception {
            this.ns = ns;
            delay = Netns.in(ns, () -> QueueDelay.install("tbp_leg", 1, 100_000));
        }

        void delay(InetSocketAddress from, InetSocketAddress to, int millis) throws Exception {
            Netns.in(ns, () -> {
                delay.delay(from, to, TimeUnit.MILLISECONDS.toNanos(millis));
                return null;
            });
        }

        @Override
        public void close() throws Exception {
            Netns.in(ns, () -> {
                delay.uninstall();
                return null;
            });
        }
    }
}
