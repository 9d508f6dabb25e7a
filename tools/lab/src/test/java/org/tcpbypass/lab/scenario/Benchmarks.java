package org.tcpbypass.lab.scenario;

import org.tcpbypass.lab.Lab;
import org.tcpbypass.lab.LabController;
import org.tcpbypass.lab.LabEnvironment;
import org.tcpbypass.lab.ProxyProcess;
import org.tcpbypass.lab.bmv2.SwitchControl;
import org.tcpbypass.lab.net.Netns;
import org.tcpbypass.lab.net.Shell;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The headline numbers, measured on the lab: BMv2 packets per second through the bypass table vs plain
 * forwarding from a packet generator ({@link PacketRateBench}), proxy CPU per GB relayed vs after the hand-off,
 * and offload requests per second end to end.
 */
public final class Benchmarks {

    private static final long MB = 1 << 20;

    private Benchmarks() {
    }

    /**
     * Runs every benchmark and prints one line per figure.
     *
     * @param repo repository root
     * @return true when all ran
     */
    public static boolean run(Path repo) throws Exception {
        Optional<String> missing = LabEnvironment.bmv2Missing();
        if (missing.isPresent()) {
            System.out.println("benchmarks not run: " + missing.get());
            return false;
        }
        PacketRateBench.run();
        try (Lab lab = Lab.start(repo, Set.of())) {
            ProxyProcess proxy = lab.startProxy("{\"policy\": \"bytes\", \"bytes\": " + 100 * MB + "}", "");
            cpuPerGb(lab, proxy);
        }
        offloads(repo);
        return true;
    }

    /**
     * Runs the offload-rate benchmark alone: on the lab's path, then on the thrift fallback for comparison where
     * the lab's path is P4Runtime and simple_switch is also on PATH.
     *
     * @param repo repository root
     * @return true when it ran
     */
    public static boolean offloads(Path repo) throws Exception {
        // HttpURLConnection keeps 5 idle connections per server by default: the other clients would open a new
        // TCP connection for every request.
        System.setProperty("http.maxConnections", Integer.toString(CLIENTS));
        Optional<String> missing = LabEnvironment.bmv2Missing();
        if (missing.isPresent()) {
            System.out.println("benchmarks not run: " + missing.get());
            return false;
        }
        try (Lab lab = Lab.start(repo, Set.of())) {
            offloadsPerSecond(lab);
        }
        if (LabEnvironment.switchPath().equals(SwitchControl.P4RUNTIME) && Shell.onPath("simple_switch")) {
            System.setProperty(LabEnvironment.SWITCH_PATH_PROPERTY, SwitchControl.THRIFT);
            try (Lab lab = Lab.start(repo, Set.of())) {
                offloadsPerSecond(lab);
            } finally {
                System.clearProperty(LabEnvironment.SWITCH_PATH_PROPERTY);
            }
        }
        return true;
    }

    private static void cpuPerGb(Lab lab, ProxyProcess proxy) throws Exception {
        long total = 400 * MB;
        try (ServerSocketChannel server = lab.listenOnServer()) {
            SocketChannel c = lab.socketIn(lab.topology().client());
            c.connect(lab.vip());
            SocketChannel s = server.accept();
            AtomicLong received = new AtomicLong();
            Thread sender = new Thread(() -> send(s, total, true));
            sender.start();
            double cpu0 = proxy.cpuSeconds();
            long t0 = System.nanoTime();
            double cpuAtHandoff = -1;
            long bytesAtHandoff = 0;
            ByteBuffer b = ByteBuffer.allocate(1 << 16);
            int n;
            while ((n = c.read(b)) >= 0) {
                received.addAndGet(n);
                b.clear();
                if (cpuAtHandoff < 0 && proxy.offloaded() >= 1) {
                    cpuAtHandoff = proxy.cpuSeconds();
                    bytesAtHandoff = received.get();
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpuEnd = proxy.cpuSeconds();
            sender.join();
            c.close();
            s.close();
            double relayedGb = bytesAtHandoff / 1e9;
            double bypassedGb = (received.get() - bytesAtHandoff) / 1e9;
            System.out.printf(Locale.ROOT, "bench: proxy CPU %.2f s/GB relayed (%.0f MB), %.3f s/GB after hand-off"
                                      + " (%.0f MB); %.0f MB in %.1f s%n",
                              (cpuAtHandoff - cpu0) / relayedGb, bytesAtHandoff / 1e6,
                              (cpuEnd - cpuAtHandoff) / bypassedGb, received.get() / 1e6 - bytesAtHandoff / 1e6,
                              received.get() / 1e6, seconds);
        }
    }

    /** Offloads each client makes one after another in the measured run. */
    static final int OFFLOADS_PER_CLIENT = 300;
    /** Concurrent clients: a proxy hands off many connections at once. */
    static final int CLIENTS = 32;

    // POST /offloads?wait until BYPASSED, then DELETE, which answers once the switch's entries are withdrawn (200; 202
    // past 5 s): the proxy's exchange, from REST through the app, the intent and flow rule services to BMv2 entries
    // written and deleted. First one client alone, then CLIENTS at once; an unmeasured run first (CLIENTS x 250 on
    // P4Runtime): on this machine the JIT compilers alone took 10 s of CPU in the first thousand offloads.
    private static void offloadsPerSecond(Lab lab) throws InterruptedException {
        String path = lab.controller().control().path();
        // The thrift path is two orders of magnitude slower: a tenth of the offloads keeps its run under a minute.
        int perClient = path.equals(SwitchControl.THRIFT) ? OFFLOADS_PER_CLIENT / 10 : OFFLOADS_PER_CLIENT;
        int warmUp = perClient * 5 / 6;
        offloads(lab, CLIENTS, warmUp, 0);
        Rate single = offloads(lab, 1, perClient, CLIENTS * warmUp);
        System.out.printf(Locale.ROOT, "bench: %s%n", single.describe(1));
        Rate concurrent = offloads(lab, CLIENTS, perClient, CLIENTS * warmUp + perClient);
        System.out.printf(Locale.ROOT, "bench: %s%n", concurrent.describe(CLIENTS));
        System.out.printf(Locale.ROOT, "offloads_per_s=%.0f path=%s%n", concurrent.perSecond(), path);
    }

    // Each offload gets its own 4-tuple (client port 10000 + n, proxy port 30000 + n, both outside Linux's ephemeral
    // range, so no lab connection takes one): released records stay.
    static Rate offloads(Lab lab, int clients, int perClient, int first) throws InterruptedException {
        String base = lab.rest().toString();
        AtomicLong notBypassed = new AtomicLong();
        AtomicLong accepted = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        int rulesBefore = lab.controller().flowRules().getFlowRuleCount();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int start = first + c * perClient;
            threads.add(new Thread(() -> Netns.call(lab.topology().proxy().namespace(), () -> {
                for (int i = 0; i < perClient; i++) {
                    int n = start + i;
                    try {
                        String created = http("POST", base + "offloads?wait=5000",
                                              offloadJson(10000 + n, 30000 + n));
                        String id = created.replaceAll("(?s).*\"id\"\\s*:\\s*\"?([0-9]+)\"?.*", "$1");
                        if (!created.contains("\"BYPASSED\"")) {
                            notBypassed.incrementAndGet();
                            System.out.println("bench: offload " + id + " did not become BYPASSED: " + created);
                        }
                        if (status("DELETE", base + "offloads/" + id) == 202) {
                            accepted.incrementAndGet();
                        }
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        System.out.println("bench: " + e.getMessage());
                    }
                }
                return null;
            })));
        }
        long t0 = System.nanoTime();
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        // Withdrawals answered with 202 finish later: the run ends when the switch holds what it held before.
        while (lab.controller().flowRules().getFlowRuleCount() > rulesBefore) {
            Thread.sleep(1);
        }
        long elapsed = System.nanoTime() - t0;
        return new Rate(clients * perClient, elapsed, notBypassed.get(), accepted.get(), errors.get());
    }

    /** Offloads made, how long they took, and how many went wrong. */
    static final class Rate {
        final int count;
        final long nanos;
        final long notBypassed;
        final long accepted;
        final long errors;

        Rate(int count, long nanos, long notBypassed, long accepted, long errors) {
            this.count = count;
            this.nanos = nanos;
            this.notBypassed = notBypassed;
            this.accepted = accepted;
            this.errors = errors;
        }

        double perSecond() {
            return count / (nanos / 1e9);
        }

        String describe(int clients) {
            return String.format(Locale.ROOT, "%d offloads by %d client%s (POST ?wait until BYPASSED, DELETE until"
                                         + " withdrawn; 4 entries each): %.2f s, %.0f offloads/s; %d not BYPASSED,"
                                         + " %d DELETE answered 202, %d errors", count, clients,
                                 clients == 1 ? "" : "s", nanos / 1e9, perSecond(), notBypassed, accepted, errors);
        }
    }

    private static String offloadJson(int clientPort, int proxyPort) {
        String leg = "\"sndNxt\": 1000, \"rcvNxt\": 2000, \"localWindowShift\": 7, \"peerWindowShift\": 7,"
                + " \"mss\": 1460, \"sackPermitted\": true, \"timestamps\": true, \"tsVal\": 500, \"peerTsVal\": 900";
        return "{\"proxy\": \"" + LabController.PROXY_NAME + "\", \"deviceId\": \"" + LabController.DEVICE_ID + "\","
                + " \"client\": {\"ip\": \"198.18.0.1\", \"port\": " + clientPort + "},"
                + " \"vip\": {\"ip\": \"198.18.0.2\", \"port\": " + Lab.VIP_PORT + "},"
                + " \"proxyAddress\": {\"ip\": \"198.18.0.2\", \"port\": " + proxyPort + "},"
                + " \"server\": {\"ip\": \"198.18.0.3\", \"port\": " + Lab.SERVER_PORT + "},"
                + " \"clientLeg\": {" + leg + "}, \"serverLeg\": {" + leg + "}}";
    }

    private static int status(String method, String url) throws IOException {
        HttpURLConnection h = (HttpURLConnection) new URL(url).openConnection();
        h.setRequestMethod(method);
        h.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString("onos:rocks".getBytes(StandardCharsets.UTF_8)));
        int code = h.getResponseCode();
        try (InputStream in = code < 400 ? h.getInputStream() : h.getErrorStream()) {
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (code >= 300) {
                throw new IOException(method + " " + url + " -> " + code + ": " + text);
            }
            return code;
        }
    }

    private static String http(String method, String url, String body) throws IOException {
        HttpURLConnection h = (HttpURLConnection) new URL(url).openConnection();
        h.setRequestMethod(method);
        h.setRequestProperty("Authorization", "Basic " + Base64.getEncoder()
                .encodeToString("onos:rocks".getBytes(StandardCharsets.UTF_8)));
        if (body != null) {
            h.setDoOutput(true);
            h.setRequestProperty("Content-Type", "application/json");
            try (OutputStream o = h.getOutputStream()) {
                o.write(body.getBytes(StandardCharsets.UTF_8));
            }
        }
        int code = h.getResponseCode();
        try (InputStream in = code < 400 ? h.getInputStream() : h.getErrorStream()) {
            String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (code >= 300) {
                throw new IOException(method + " " + url + " -> " + code + ": " + text);
            }
            return text;
        }
    }

    private static void send(SocketChannel s, long bytes, boolean thenClose) {
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        long sent = 0;
        try {
            while (sent < bytes) {
                b.clear();
                b.limit((int) Math.min(b.capacity(), bytes - sent));
                sent += s.write(b);
            }
            if (thenClose) {
                s.shutdownOutput();
            }
        } catch (IOException e) {
            // receiver went away
        }
    }
}
