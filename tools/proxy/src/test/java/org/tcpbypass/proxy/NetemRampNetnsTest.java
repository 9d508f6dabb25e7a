package org.tcpbypass.proxy;

import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;
import org.tcpbypass.proxy.linux.Capabilities;
import org.tcpbypass.proxy.linux.NetemDelay;
import org.tcpbypass.proxy.linux.NetemDelays;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

/**
 * The RTT ramp's netem mechanism ({@link NetemDelay}). Its plumbing runs on every kernel, with a pfifo leaf where
 * netem is missing: held flows' segments, and only they, pass through their own classes on the proxy's IFB,
 * byte-exact, behind an operator's clsact or one the mechanism adds; the interfaces' root qdiscs and an operator's
 * ingress filters stay as they were; release and
 * uninstall leave the host as before; a crashed proxy's leftovers go at the next start. The delay itself needs
 * netem and is tested where the kernel has it.
 */
public class NetemRampNetnsTest {
    private static final String IFB = "tbp-t";
    private static final int PREF = 49301;
    private static final InetSocketAddress CLIENT = new InetSocketAddress(Netns.CLIENT_IP, 40001);
    private static final InetSocketAddress HELD = new InetSocketAddress(Netns.PROXY_CLIENT_SIDE_IP, 7000);
    private static final InetSocketAddress UNHELD = new InetSocketAddress(Netns.PROXY_CLIENT_SIDE_IP, 7002);
    private static final InetSocketAddress SERVER_PEER = new InetSocketAddress(Netns.SERVER_IP, 40003);
    private static final InetSocketAddress SERVER_SIDE = new InetSocketAddress(Netns.PROXY_SERVER_SIDE_IP, 7001);
    private static final int BYTES = 4 << 20;
    private static final Pattern STATS = Pattern.compile("Sent (\\d+) bytes (\\d+) pkt");

    @BeforeClass
    public static void namespaces() throws IOException {
        Netns.assumeAvailable();
        Assume.assumeTrue("needs the tc command (iproute2)", Capabilities.onPath("tc") != null);
    }

    @Test
    public void onlyTheHeldFlowsPassTheirClassesAndTheInterfacesKeepTheirQdiscsAndFilters() throws Exception {
        try (Netns n = new Netns()) {
            // An operator's shaping and ingress filter on the client side; the server side has no ingress hook.
            Netns.exec(n.proxy, "tc", "qdisc", "add", "dev", "p0", "root", "handle", "1:", "tbf", "rate", "10gbit",
                       "burst", "1mb", "latency", "50ms");
            Netns.exec(n.proxy, "tc", "qdisc", "add", "dev", "p0", "clsact");
            Netns.exec(n.proxy, "tc", "filter", "add", "dev", "p0", "ingress", "pref", "10", "protocol", "ip", "u32",
                       "match", "ip", "src", "198.18.9.9/32", "flowid", "1:1");
            String qdiscs = Netns.exec(n.proxy, "tc", "qdisc", "show");
            String operatorFilters = Netns.exec(n.proxy, "tc", "filter", "show", "dev", "p0", "ingress");
            ExecutorService pp = Netns.executor(n.proxy);
            try (Traffic.Server heldServer = new Traffic.Server(pp, HELD, 0);
                 Traffic.Server serverSide = new Traffic.Server(pp, SERVER_SIDE, 0);
                 Traffic.Server unheldServer = new Traffic.Server(pp, UNHELD, 0)) {
                NetemDelay delay = Netns.in(n.proxy, () -> NetemDelays.withLeaf(IFB, PREF, "pfifo limit 100000"));
                Socket held = connect(n.client, CLIENT, HELD);
                Socket heldFromServer = connect(n.server, SERVER_PEER, SERVER_SIDE);
                Netns.in(n.proxy, () -> {
                    delay.delay(CLIENT, HELD, TimeUnit.MILLISECONDS.toNanos(20));
                    delay.delay(SERVER_PEER, SERVER_SIDE, TimeUnit.MILLISECONDS.toNanos(20));
                    return null;
                });
                assertEquals("p0 keeps its clsact; only the IFB and a clsact for p1 are new", qdiscs,
                             Netns.exec(n.proxy, "tc", "qdisc", "show").replaceAll("(?m)^qdisc (\\S+ \\S+ dev " + IFB
                                     + " |clsact ffff: dev p1 ).*\n", ""));
                assertThat("the operator's filter stays beside the redirect",
                           Netns.exec(n.proxy, "tc", "filter", "show", "dev", "p0", "ingress"),
                           containsString("match c6120909/ffffffff at 12"));
                Socket unheld = connect(n.client, null, UNHELD);
                Future<Boolean> a = pp.submit(() -> upload(held, 1));
                Future<Boolean> b = pp.submit(() -> upload(heldFromServer, 2));
                Future<Boolean> c = pp.submit(() -> upload(unheld, 3));
                assertTrue("held flow from the client byte-exact", a.get(60, TimeUnit.SECONDS));
                assertTrue("held flow from the server byte-exact", b.get(60, TimeUnit.SECONDS));
                assertTrue("unheld flow byte-exact", c.get(60, TimeUnit.SECONDS));
                long[] classes = stats(Netns.exec(n.proxy, "tc", "-s", "class", "show", "dev", IFB));
                assertThat("the held uploads went through their classes", classes[0],
                           greaterThanOrEqualTo(2L * BYTES));
                assertThat("and the unheld one did not", classes[0], lessThan(2L * BYTES * 11 / 10));
                String ifbRoot = Netns.exec(n.proxy, "tc", "-s", "qdisc", "show", "dev", IFB, "root");
                assertThat("nothing reached the IFB unclassified: " + ifbRoot, ifbRoot,
                           containsString("direct_packets_stat 0 "));
                assertTrue(Netns.in(n.proxy, () -> delay.release(CLIENT, HELD, TimeUnit.SECONDS.toNanos(2))));
                assertTrue(Netns.in(n.proxy, () -> delay.release(SERVER_PEER, SERVER_SIDE,
                                                                  TimeUnit.SECONDS.toNanos(2))));
                assertEquals("no redirect left on p0", operatorFilters.trim(),
                             Netns.exec(n.proxy, "tc", "filter", "show", "dev", "p0", "ingress").trim());
                assertEquals("no redirect left on p1", "",
                             Netns.exec(n.proxy, "tc", "filter", "show", "dev", "p1", "ingress"));
                assertEquals("no class left", "", Netns.exec(n.proxy, "tc", "class", "show", "dev", IFB));
                Netns.in(n.proxy, () -> {
                    delay.uninstall();
                    return null;
                });
                assertEquals("p0's clsact stays, p1's goes", qdiscs, Netns.exec(n.proxy, "tc", "qdisc", "show"));
                assertEquals(operatorFilters.trim(),
                             Netns.exec(n.proxy, "tc", "filter", "show", "dev", "p0", "ingress").trim());
                assertThat(Netns.exec(n.proxy, "ip", "link", "show"), not(containsString(IFB)));
                assertEquals(java.util.List.of(), heldServer.errors);
                assertEquals(java.util.List.of(), serverSide.errors);
                assertEquals(java.util.List.of(), unheldServer.errors);
            } finally {
                pp.shutdownNow();
            }
        }
    }

    @Test
    public void aCrashedProxysRedirectsAndIfbAreGoneAtTheNextStart() throws Exception {
        try (Netns n = new Netns()) {
            NetemDelay crashed = Netns.in(n.proxy, () -> NetemDelays.withLeaf(IFB, PREF, "pfifo limit 100000"));
            Netns.in(n.proxy, () -> {
                crashed.delay(CLIENT, HELD, TimeUnit.MILLISECONDS.toNanos(20));
                return null;
            });
            assertThat(Netns.exec(n.proxy, "tc", "filter", "show", "dev", "p0", "ingress"),
                       containsString("Egress Redirect to device " + IFB));
            NetemDelay next = Netns.in(n.proxy, () -> NetemDelays.withLeaf(IFB, PREF, "pfifo limit 100000"));
            assertEquals("", Netns.exec(n.proxy, "tc", "filter", "show", "dev", "p0", "ingress"));
            assertEquals("a fresh IFB", "", Netns.exec(n.proxy, "tc", "class", "show", "dev", IFB));
            Netns.in(n.proxy, () -> {
                next.uninstall();
                return null;
            });
            assertThat(Netns.exec(n.proxy, "ip", "link", "show"), not(containsString(IFB)));
        }
    }

    @Test
    public void withoutNetemTheMechanismSaysSoAndLeavesNothing() throws Exception {
        try (Netns n = new Netns()) {
            Assume.assumeFalse("this kernel has netem", Netns.hasNetem(n.proxy));
            String qdiscs = Netns.exec(n.proxy, "tc", "qdisc", "show");
            try {
                Netns.in(n.proxy, () -> NetemDelay.install(IFB, PREF));
                throw new AssertionError("installed without netem");
            } catch (java.util.concurrent.ExecutionException e) {
                assertThat(e.getCause().getMessage(), containsString("rttRamp's netem path needs sch_htb and"
                                                                             + " sch_netem"));
            }
            assertEquals(qdiscs, Netns.exec(n.proxy, "tc", "qdisc", "show"));
            assertThat(Netns.exec(n.proxy, "ip", "link", "show"), not(containsString(IFB)));
        }
    }

    @Test
    public void netemHoldsTheFlowForItsDelayAndAFallingDelayKeepsItsOrder() throws Exception {
        try (Netns n = new Netns()) {
            Assume.assumeTrue("sch_netem is not in this kernel (CONFIG_NET_SCH_NETEM): the netem delay is tested"
                                      + " where it is", Netns.hasNetem(n.proxy));
            ExecutorService pp = Netns.executor(n.proxy);
            try (Traffic.Server server = new Traffic.Server(pp, HELD, 0)) {
                NetemDelay delay = Netns.in(n.proxy, () -> NetemDelay.install(IFB, PREF));
                Socket s = connect(n.client, CLIENT, HELD);
                Netns.in(n.proxy, () -> {
                    delay.delay(CLIENT, HELD, TimeUnit.MILLISECONDS.toNanos(100));
                    return null;
                });
                // Held, each of its client's segments (SYN, data, FIN) would add 100 ms.
                long unheld = exchangeMillis(n.client, 40002);
                String before = Netns.exec(n.proxy, "nstat", "-az", "TcpExtTCPOFOQueue");
                // 16 KiB every 8 ms: about 2 s, longer than the steps below.
                Future<Boolean> up = pp.submit(() -> upload(s, 3, BYTES, 8000));
                Thread.sleep(500);
                // Smoothed, and UML's clock is coarse: 99.95 ms was seen for the 100 ms delay.
                assertThat("the held flow's RTT", rttMillis(n.client), greaterThan(90.0));
                for (int ms = 80; ms >= 0; ms -= 20) {
                    int now = ms;
                    Netns.in(n.proxy, () -> {
                        delay.delay(CLIENT, HELD, TimeUnit.MILLISECONDS.toNanos(now));
                        return null;
                    });
                    Thread.sleep(200);
                }
                assertTrue(Netns.in(n.proxy, () -> delay.release(CLIENT, HELD, TimeUnit.SECONDS.toNanos(2))));
                assertTrue("byte-exact", up.get(60, TimeUnit.SECONDS));
                assertEquals("nothing arrived out of order", counter(before),
                             counter(Netns.exec(n.proxy, "nstat", "-az", "TcpExtTCPOFOQueue")));
                assertThat("another flow of the same client is not held", unheld, lessThan(100L));
                Netns.in(n.proxy, () -> {
                    delay.uninstall();
                    return null;
                });
                assertEquals(java.util.List.of(), server.errors);
            } finally {
                pp.shutdownNow();
            }
        }
    }

    /** A connection from {@code ns}, bound to {@code local} if given. */
    private static Socket connect(String ns, InetSocketAddress local, InetSocketAddress to) throws Exception {
        return Netns.in(ns, () -> {
            Socket s = new Socket();
            s.setSoTimeout(60000);
            if (local != null) {
                s.bind(local);
            }
            s.connect(to, 10000);
            return s;
        });
    }

    /** Uploads {@link #BYTES} to a {@link Traffic.Server} and checks the digest it answers. */
    private static boolean upload(Socket s, long seed) throws IOException {
        return upload(s, seed, BYTES, 0);
    }

    /** Uploads {@code bytes}, pausing {@code pauseMicros} after each 16 KiB. */
    private static boolean upload(Socket s, long seed, long bytes, long pauseMicros) throws IOException {
        try (Socket c = s) {
            OutputStream out = c.getOutputStream();
            out.write(ByteBuffer.allocate(16).putLong(0).putLong(seed).array());
            Traffic.send(out, seed, bytes, pauseMicros);
            c.shutdownOutput();
            InputStream in = c.getInputStream();
            return Arrays.equals(in.readNBytes(32), Traffic.digest(seed, bytes)) && in.read() == -1;
        }
    }

    /** How long a connect and an empty exchange from {@code ns}, port {@code port}, with the held server take. */
    private static long exchangeMillis(String ns, int port) throws Exception {
        long start = System.nanoTime();
        assertTrue(upload(connect(ns, new InetSocketAddress(Netns.CLIENT_IP, port), HELD), 4, 0, 0));
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private static double rttMillis(String ns) throws IOException {
        Matcher m = Pattern.compile("\\brtt:([0-9.]+)/").matcher(Netns.exec(ns, "ss", "-tinH", "state",
                                                                             "established", "sport = :40001"));
        assertTrue("the held connection in ss", m.find());
        return Double.parseDouble(m.group(1));
    }

    private static long counter(String nstat) {
        Matcher m = Pattern.compile("TcpExtTCPOFOQueue\\s+(\\d+)").matcher(nstat);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** Sent bytes and packets summed over what {@code tc -s} listed. */
    private static long[] stats(String show) {
        Matcher m = STATS.matcher(show);
        long[] sum = new long[2];
        while (m.find()) {
            sum[0] += Long.parseLong(m.group(1));
            sum[1] += Long.parseLong(m.group(2));
        }
        return sum;
    }
}
