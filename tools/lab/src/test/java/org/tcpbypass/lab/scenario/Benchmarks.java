package org.tcpbypass.lab.scenario;

import org.tcpbypass.lab.Lab;
import org.tcpbypass.lab.LabController;
import org.tcpbypass.lab.LabEnvironment;
import org.tcpbypass.lab.ProxyProcess;
import org.tcpbypass.lab.net.Netns;

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
import java.util.Base64;
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
        try (Lab lab = Lab.start(repo, Set.of())) {
            offloadsPerSecond(lab);
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

    // POST /offloads, wait for BYPASSED, DELETE: the whole path from REST to BMv2 entries and back.
    private static void offloadsPerSecond(Lab lab) {
        String base = lab.rest().toString();
        int count = 300;
        AtomicLong failed = new AtomicLong();
        long elapsed = Netns.call(lab.topology().proxy().namespace(), () -> {
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                String body = offloadJson(20000 + i, 30000 + i);
                String created = http("POST", base + "offloads", body);
                String id = created.replaceAll("(?s).*\"id\"\\s*:\\s*\"?([0-9]+)\"?.*", "$1");
                String settled = http("GET", base + "offloads/" + id + "?wait=5000", null);
                if (!settled.contains("\"BYPASSED\"")) {
                    failed.incrementAndGet();
                    System.out.println("bench: offload " + id + " did not become BYPASSED: " + settled);
                }
                http("DELETE", base + "offloads/" + id, null);
            }
            return System.nanoTime() - t0;
        });
        System.out.printf(Locale.ROOT, "bench: %d offloads (POST, wait BYPASSED, DELETE; 2 BMv2 entries each) in"
                                  + " %.2f s: %.0f offloads/s end to end; %d did not become BYPASSED%n", count,
                          elapsed / 1e9, count / (elapsed / 1e9), failed.get());
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
