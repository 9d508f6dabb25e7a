package org.tcpbypass.proxy;

import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;


/** The relay in network namespaces: byte-exact under concurrency, half-close, reset, unreachable backend. */
public class RelayNetnsTest {
    private static final InetSocketAddress SERVER = new InetSocketAddress(Netns.SERVER_IP, 9000);

    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @BeforeClass
    public static void namespaces() throws IOException {
        Netns.assumeAvailable();
    }

    @Test
    public void concurrentConnectionsAreByteExactBothWaysWithHalfClose() throws Exception {
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (Traffic.Server server = new Traffic.Server(sp, SERVER, 0);
                 ProxyProcess proxy = ProxyProcess.inNamespace(n.proxy, "--listen", Netns.PROXY_CLIENT_SIDE_IP + ":8000",
                                                               "--backend", SERVER_IP_PORT, "--threads", "2",
                                                               "--buffer-bytes", "16384", "--metrics-interval", "0")) {
                assertTrue(proxy.output(), proxy.listening());
                SplittableRandom random = new SplittableRandom(5);
                List<Future<Traffic.Result>> results = new ArrayList<>();
                long[][] sizes = new long[200][];
                for (int i = 0; i < sizes.length; i++) {
                    long up = i == 0 ? 0 : i == 1 ? 1 : random.nextLong(1 << 20);
                    long down = i == 2 ? 0 : i == 3 ? 1 : random.nextLong(1 << 20);
                    sizes[i] = new long[] {up, down};
                    long seed = i;
                    results.add(cp.submit(() -> Traffic.client(cp, VIP, seed, up, down, 0)));
                }
                for (int i = 0; i < results.size(); i++) {
                    Traffic.Result r = results.get(i).get(120, TimeUnit.SECONDS);
                    String what = "connection " + i + " up " + sizes[i][0] + " down " + sizes[i][1];
                    assertTrue(what + ": download differs", r.downloadIntact);
                    assertTrue(what + ": upload differs", r.uploadIntact);
                }
                assertEquals(List.of(), server.errors);
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    private static final InetSocketAddress VIP = new InetSocketAddress(Netns.PROXY_CLIENT_SIDE_IP, 8000);
    private static final String SERVER_IP_PORT = Netns.SERVER_IP + ":9000";

    @Test
    public void resetAndUnreachableBackendReachTheClient() throws Exception {
        Path config = tmp.newFile("proxy.json").toPath();
        Files.writeString(config, "{\"metricsIntervalSeconds\": 0, \"listeners\": ["
                + "{\"listen\": \"198.18.0.2:8001\", \"backends\": [\"198.18.1.3:9001\"]},"
                + "{\"listen\": \"198.18.0.2:8002\", \"backends\": [\"198.18.1.3:9002\"]}]}");
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (ServerSocket resetter = Netns.in(n.server, () -> new ServerSocket(9001, 8,
                    java.net.InetAddress.getByName(Netns.SERVER_IP)));
                 ProxyProcess proxy = ProxyProcess.inNamespace(n.proxy, "--config", config.toString())) {
                assertTrue(proxy.output(), proxy.listening());
                sp.submit(() -> {
                    try (Socket s = resetter.accept()) {
                        s.getInputStream().read();
                        s.setSoLinger(true, 0);
                    }
                    return null;
                });
                String reset = cp.submit(() -> {
                    try (Socket c = new Socket()) {
                        c.setSoTimeout(10000);
                        c.connect(new InetSocketAddress(Netns.PROXY_CLIENT_SIDE_IP, 8001), 5000);
                        c.getOutputStream().write(1);
                        return outcome(c.getInputStream());
                    }
                }).get(30, TimeUnit.SECONDS);
                assertEquals("reset", reset);
                String unreachable = cp.submit(() -> {
                    try (Socket c = new Socket()) {
                        c.setSoTimeout(10000);
                        c.connect(new InetSocketAddress(Netns.PROXY_CLIENT_SIDE_IP, 8002), 5000);
                        return outcome(c.getInputStream());
                    }
                }).get(30, TimeUnit.SECONDS);
                assertEquals("reset", unreachable);
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    @Test
    public void clientsAreOfferedTheMssTheBackendAnnounced() throws Exception {
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (java.nio.channels.ServerSocketChannel backend = Netns.in(n.server, () -> {
                    java.nio.channels.ServerSocketChannel ssc = java.nio.channels.ServerSocketChannel.open();
                    org.tcpbypass.proxy.linux.TcpSocket.of(ssc).setMaxSegment(1000);
                    ssc.bind(SERVER);
                    return ssc;
                });
                 Capture capture = new Capture(n.proxy, VIP);
                 ProxyProcess proxy = ProxyProcess.inNamespace(n.proxy, "--listen", Netns.PROXY_CLIENT_SIDE_IP + ":8000",
                                                               "--backend", SERVER_IP_PORT, "--metrics-interval", "0")) {
                assertTrue(proxy.output(), proxy.listening());
                sp.submit(() -> {
                    for (int i = 0; i < 2; i++) {
                        backend.accept().close();
                    }
                    return null;
                });
                for (int i = 0; i < 2; i++) {
                    cp.submit(() -> {
                        try (Socket c = new Socket()) {
                            c.setSoTimeout(5000);
                            c.connect(VIP, 5000);
                            return c.getInputStream().read();
                        }
                    }).get(30, TimeUnit.SECONDS);
                }
                Thread.sleep(200);
                List<Integer> offered = new ArrayList<>();
                for (org.tcpbypass.proxy.linux.Segment seg : capture.segments()) {
                    if (seg.source.equals(VIP) && (seg.flags & org.tcpbypass.proxy.linux.Segment.SYN) != 0) {
                        offered.add(seg.mss);
                    }
                }
                assertEquals("first client: the interface's MSS; then the backend's", List.of(1460, 1000), offered);
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    /** After a bypass the server sends straight to the client: the server leg announces the client's MSS. */
    @Test
    public void serverLegsAnnounceTheClientsMss() throws Exception {
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (java.nio.channels.ServerSocketChannel backend = Netns.in(n.server, () ->
                         java.nio.channels.ServerSocketChannel.open().bind(SERVER));
                 Capture capture = new Capture(n.proxy, SERVER);
                 ProxyProcess proxy = ProxyProcess.inNamespace(n.proxy, "--listen", Netns.PROXY_CLIENT_SIDE_IP
                         + ":8000", "--backend", SERVER_IP_PORT, "--metrics-interval", "0")) {
                assertTrue(proxy.output(), proxy.listening());
                sp.submit(() -> {
                    backend.accept().close();
                    return null;
                });
                cp.submit(() -> {
                    try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open()) {
                        org.tcpbypass.proxy.linux.TcpSocket.of(c).setMaxSegment(1200);
                        c.connect(VIP);
                        return c.read(java.nio.ByteBuffer.allocate(1));
                    }
                }).get(30, TimeUnit.SECONDS);
                Thread.sleep(200);
                List<Integer> announced = new ArrayList<>();
                for (org.tcpbypass.proxy.linux.Segment seg : capture.segments()) {
                    if (seg.destination.equals(SERVER) && (seg.flags & org.tcpbypass.proxy.linux.Segment.SYN) != 0) {
                        announced.add(seg.mss);
                    }
                }
                assertEquals("the proxy's SYN to the server carries the client's MSS", List.of(1200), announced);
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    private static String outcome(InputStream in) {
        try {
            int b = in.read();
            return b < 0 ? "eof" : "data";
        } catch (java.net.SocketTimeoutException e) {
            return "timeout";
        } catch (IOException e) {
            return e.getMessage().contains("reset") ? "reset" : e.getMessage();
        }
    }

    /**
     * Relay throughput and CPU per GB, copying through the JVM and splicing through pipes, one after the other in
     * the same run, each proxy warmed up first (its JIT compiles the relay path on an unmeasured transfer);
     * figures go to target/proxy-figures.txt (README "Measured").
     */
    @Test
    public void throughputAndCpuPerGigabyte() throws Exception {
        double[] copy = relayCpuPerGigabyte("copy");
        double[] splice = relayCpuPerGigabyte("splice");
        Figures.record(String.format(Locale.ROOT, "relay: splice/copy CPU per GB = %.2f (process), %.2f (relay threads)",
                                     splice[0] / copy[0], splice[1] / copy[1]));
        // Splicing skips two copies of every byte; a run where it costs the relay threads as much as copying has
        // lost that.
        assertTrue("relay threads: splice " + splice[1] + " vs copy " + copy[1] + " CPU s/GB", splice[1] < copy[1]);
    }

    /** Returns {process, relay threads} CPU seconds per GB relayed. */
    private double[] relayCpuPerGigabyte(String relay) throws Exception {
        long perConnection = 256L << 20;
        int connections = 4;
        try (Netns n = new Netns()) {
            ExecutorService sp = Netns.executor(n.server);
            ExecutorService cp = Netns.executor(n.client);
            try (Traffic.Server server = new Traffic.Server(sp, SERVER, 0);
                 ProxyProcess proxy = ProxyProcess.inNamespace(n.proxy, "--listen", Netns.PROXY_CLIENT_SIDE_IP + ":8000",
                                                               "--backend", SERVER_IP_PORT, "--threads", "2",
                                                               "--metrics-interval", "0", "--relay", relay)) {
                assertTrue(proxy.output(), proxy.listening());
                String warmUp = warmUp(cp, proxy, connections);
                double cpu0 = proxy.cpuSeconds();
                double relay0 = proxy.relayThreadCpuSeconds();
                double jit0 = proxy.compilerThreadCpuSeconds();
                long t0 = System.nanoTime();
                transfer(cp, connections, perConnection, 100);
                long t1 = System.nanoTime();
                Figures.window(relay, t0, t1);
                double seconds = (t1 - t0) / 1e9;
                double cpu = proxy.cpuSeconds() - cpu0;
                double relayCpu = proxy.relayThreadCpuSeconds() - relay0;
                double jit = proxy.compilerThreadCpuSeconds() - jit0;
                double gb = perConnection * connections / 1e9;
                Figures.record(String.format(Locale.ROOT, "relay %s: %d connections x %d MiB through veth namespaces:"
                        + " %.2f GB in %.2f s = %.0f Mbit/s; proxy CPU %.2f s = %.2f CPU s/GB (relay threads %.2f s"
                        + " = %.2f CPU s/GB; JIT compilers %.2f s); %s", relay, connections, perConnection >> 20, gb,
                        seconds, gb * 8000 / seconds, cpu, cpu / gb, relayCpu, relayCpu / gb, jit, warmUp));
                return new double[] {cpu / gb, relayCpu / gb};
            } finally {
                sp.shutdownNow();
                cp.shutdownNow();
            }
        }
    }

    /** Warm-up rounds end once the proxy's JIT compilers took less than this share of the process's CPU in a round. */
    private static final double JIT_SETTLED = 0.02;
    private static final int WARM_UP_MAX_ROUNDS = 20;

    /**
     * Relays 32 MiB per connection until the proxy's JIT compilers settle: what they compile is a start-up cost, not
     * a cost per GB (after a 4 × 32 MiB warm-up they still took a third of the splice relay's measured CPU,
     * 2026-12-02; C2 may still wake up later, so the figures also say what the compilers took while measured).
     * Returns what the warm-up did, for the figures.
     */
    private static String warmUp(ExecutorService cp, ProxyProcess proxy, int connections) throws Exception {
        double share;
        int rounds = 0;
        do {
            double cpu0 = proxy.cpuSeconds();
            double jit0 = proxy.compilerThreadCpuSeconds();
            transfer(cp, connections, 32L << 20, 1 + rounds * connections);
            rounds++;
            share = (proxy.compilerThreadCpuSeconds() - jit0) / Math.max(0.01, proxy.cpuSeconds() - cpu0);
        } while (share >= JIT_SETTLED && rounds < WARM_UP_MAX_ROUNDS);
        return String.format(Locale.ROOT, "warm-up %d x %d x 32 MiB, JIT %.1f %% of the proxy's CPU in the last",
                             rounds, connections, share * 100);
    }

    private static void transfer(ExecutorService cp, int connections, long bytes, long firstSeed) throws Exception {
        List<Future<Traffic.Result>> results = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            long seed = firstSeed + i;
            results.add(cp.submit(() -> Traffic.client(cp, VIP, seed, 0, bytes, 0)));
        }
        for (Future<Traffic.Result> f : results) {
            Traffic.Result r = f.get(240, TimeUnit.SECONDS);
            assertTrue("download differs", r.downloadIntact);
            assertTrue("upload differs", r.uploadIntact);
        }
    }

    /** Appends measured figures to target/proxy-figures.txt and prints them. */
    static final class Figures {
        private Figures() {
        }

        static synchronized void record(String line) throws IOException {
            System.out.println(line);
            append(Paths.get("target", "proxy-figures.txt"), line);
        }

        /**
         * Appends when a relay's measured transfer ran, in CLOCK_MONOTONIC seconds (System.nanoTime on Linux), to
         * target/relay-windows.txt: relay-profile.sh keeps the samples perf took inside it.
         */
        static synchronized void window(String relay, long startNanos, long endNanos) throws IOException {
            append(Paths.get("target", "relay-windows.txt"), String.format(Locale.ROOT, "%s %d.%09d %d.%09d", relay,
                    startNanos / 1_000_000_000L, startNanos % 1_000_000_000L, endNanos / 1_000_000_000L,
                    endNanos % 1_000_000_000L));
        }

        private static void append(Path p, String line) throws IOException {
            Files.writeString(p, line + System.lineSeparator(), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
    }

}
