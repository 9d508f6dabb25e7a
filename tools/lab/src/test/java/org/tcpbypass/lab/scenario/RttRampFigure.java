package org.tcpbypass.lab.scenario;

import org.tcpbypass.lab.Lab;
import org.tcpbypass.lab.LabEnvironment;
import org.tcpbypass.lab.ProxyProcess;
import org.tcpbypass.lab.net.ImpairedLink;
import org.tcpbypass.lab.net.Shell;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The seed's congestion-control figure: one TCP flow for 60 s through a bottleneck, the proxy removed at
 * about 30 s, 100 ms end-to-end RTT after the bypass (the server's link); once with the client leg's RTT
 * ramped towards 100 ms in 20 ms steps before the hand-off, once without. The client sends: its congestion
 * control is the one that sees its RTT jump from the short client leg to the whole path. Writes
 * docs/rtt-ramp.csv and docs/rtt-ramp.png (gnuplot).
 *
 * <p>The bottleneck is scaled down from the seed's 100 Mbit/s to {@value #DEFAULT_RATE} (override with
 * -Dlab.figure.rate): at 100 Mbit/s this 2-core machine, running BMv2 (every relayed segment crosses it
 * twice) and the user-space delay link, carried only about 25 Mbit/s, so the bottleneck would have been
 * the CPU and not the link.
 *
 * <p>The ramp is applied by the lab's user-space link in front of the client, because the proxy's own ramp
 * needs tc netem, which this machine's kernel lacks; where netem exists the proxy's ramp can be used.
 */
public final class RttRampFigure {

    static final int SECONDS = 60;
    static final int HANDOFF_SECOND = 30;
    static final String DEFAULT_RATE = "20mbit";
    static final String RATE = System.getProperty("lab.figure.rate", DEFAULT_RATE);
    static final long ONE_WAY_MICROS = 50_000;
    static final long STEP_MICROS = 10_000;
    // The proxy's own ramp defaults: 20 ms RTT steps every 200 ms.
    static final long STEP_INTERVAL_MS = 200;
    static final long SAMPLE_MS = 250;

    private RttRampFigure() {
    }

    /**
     * Runs both experiments and writes the CSV and PNG.
     *
     * @param repo repository root
     * @return true when both runs completed and the files were written
     */
    public static boolean run(Path repo) throws Exception {
        Optional<String> missing = LabEnvironment.bmv2Missing();
        if (missing.isPresent()) {
            System.out.println("figure not made: " + missing.get());
            return false;
        }
        List<double[]> withRamp = experiment(repo, true);
        List<double[]> without = experiment(repo, false);
        Path csv = repo.resolve("docs/rtt-ramp.csv");
        StringBuilder sb = new StringBuilder("# one TCP flow (client sends) through tcp-bypass on BMv2, bottleneck "
                + RATE + ", RTT after the bypass 100 ms; the proxy hands off at about " + HANDOFF_SECOND
                + " s (handoff columns: 1 once handed off); made by tools/lab/run-lab.sh figure\n"
                + "time_s,with_ramp_mbps,without_ramp_mbps,with_ramp_handoff,without_ramp_handoff\n");
        for (int i = 0; i < Math.min(withRamp.size(), without.size()); i++) {
            sb.append(String.format(Locale.ROOT, "%.2f,%.2f,%.2f,%d,%d%n", withRamp.get(i)[0], withRamp.get(i)[1],
                                    without.get(i)[1], (int) withRamp.get(i)[2], (int) without.get(i)[2]));
        }
        Files.writeString(csv, sb.toString());
        Path png = repo.resolve("docs/rtt-ramp.png");
        double rampHandoff = firstHandoff(withRamp);
        double plainHandoff = firstHandoff(without);
        String plot = String.join("\n",
                "set terminal pngcairo size 1000,500 font 'sans,11'",
                "set output '" + png + "'",
                "set datafile separator ','",
                "set title 'One TCP flow through BMv2 (" + RATE + " bottleneck): proxy removed at about "
                        + HANDOFF_SECOND + " s, RTT 100 ms after the bypass'",
                String.format(Locale.ROOT, "set arrow from %.2f, graph 0 to %.2f, graph 1 nohead dt 2 lc rgb"
                        + " 'dark-violet'", rampHandoff, rampHandoff),
                String.format(Locale.ROOT, "set arrow from %.2f, graph 0 to %.2f, graph 1 nohead dt 3 lc rgb"
                        + " 'dark-green'", plainHandoff, plainHandoff),
                "set xlabel 'time (s)'", "set ylabel 'throughput (Mbit/s)'", "set grid", "set key bottom right",
                "plot '" + csv + "' using 1:2 with lines lw 2 title 'with RTT ramp (20 ms steps)', "
                        + "'' using 1:3 with lines lw 2 title 'without ramp'", "");
        Path gp = Files.createTempFile("rtt-ramp", ".gp");
        Files.writeString(gp, plot);
        Shell.run("gnuplot", gp.toString());
        System.out.println("figure written: " + csv + " " + png);
        return true;
    }

    private static double firstHandoff(List<double[]> samples) {
        return samples.stream().filter(x -> x[2] > 0).mapToDouble(x -> x[0]).findFirst().orElse(-1);
    }

    // Samples: {time s, Mbit/s, 1 if the proxy had handed off by then}.
    private static List<double[]> experiment(Path repo, boolean ramp) throws Exception {
        try (Lab lab = Lab.start(repo, Set.of("client", "server"))) {
            ImpairedLink clientLink = lab.topology().link(lab.topology().client());
            ImpairedLink serverLink = lab.topology().link(lab.topology().server());
            serverLink.setDelayMicros(ONE_WAY_MICROS);
            // The bottleneck: what the switch sends towards the server, relayed or bypassed.
            Shell.run("tc", "qdisc", "replace", "dev", lab.topology().server().switchInterface(), "root", "tbf",
                      "rate", RATE, "burst", "32kb", "latency", "100ms");
            long rateBytes = parseRate(RATE) / 8;
            long handoffBytes = (long) (rateBytes * 0.95 * HANDOFF_SECOND);
            // With 100 ms RTT and a full bottleneck queue the legs need more than the default 2 s to drain.
            ProxyProcess proxy = lab.startProxy("{\"policy\": \"bytes\", \"bytes\": " + handoffBytes + "}",
                                                "\"handoff\": {\"drainTimeoutMillis\": 10000},"
                                                        + " \"controller\": {\"offloadTimeoutMillis\": 20000}");
            try (ServerSocketChannel server = lab.listenOnServer()) {
                SocketChannel c = lab.socketIn(lab.topology().client());
                c.connect(lab.vip());
                SocketChannel s = server.accept();
                AtomicLong received = new AtomicLong();
                Thread sender = new Thread(() -> blast(c));
                sender.setDaemon(true);
                sender.start();
                Thread reader = new Thread(() -> drain(s, received));
                reader.setDaemon(true);
                reader.start();
                List<double[]> samples = new ArrayList<>();
                long start = System.currentTimeMillis();
                long last = 0;
                long rampDelay = 0;
                long nextStep = 0;
                boolean handedOff = false;
                while (System.currentTimeMillis() - start < SECONDS * 1000L) {
                    Thread.sleep(SAMPLE_MS);
                    long now = System.currentTimeMillis();
                    long bytes = received.get();
                    if (!handedOff && proxy.offloaded() >= 1) {
                        handedOff = true;
                        // After the bypass the client's path no longer holds the synthetic delay.
                        clientLink.setDelayMicros(0);
                    }
                    long secondsToHandoff = (handoffBytes - bytes) / Math.max(1, rateBytes);
                    if (ramp && !handedOff && secondsToHandoff <= 3 && now >= nextStep
                            && rampDelay < ONE_WAY_MICROS) {
                        rampDelay += STEP_MICROS;
                        clientLink.setDelayMicros(rampDelay);
                        nextStep = now + STEP_INTERVAL_MS;
                    }
                    samples.add(new double[]{(now - start) / 1000.0, (bytes - last) * 8 / (SAMPLE_MS * 1000.0),
                            handedOff ? 1 : 0});
                    last = bytes;
                }
                s.close();
                c.close();
                return samples;
            }
        }
    }

    private static long parseRate(String rate) {
        String r = rate.toLowerCase(Locale.ROOT);
        if (r.endsWith("mbit")) {
            return Long.parseLong(r.substring(0, r.length() - 4)) * 1_000_000L;
        }
        if (r.endsWith("kbit")) {
            return Long.parseLong(r.substring(0, r.length() - 4)) * 1_000L;
        }
        throw new IllegalArgumentException("rate like 100mbit expected: " + rate);
    }

    private static void blast(SocketChannel s) {
        ByteBuffer b = ByteBuffer.wrap("x".repeat(65536).getBytes(StandardCharsets.US_ASCII));
        try {
            while (true) {
                b.rewind();
                s.write(b);
            }
        } catch (IOException e) {
            // The experiment closed the connection.
        }
    }

    private static void drain(SocketChannel c, AtomicLong received) {
        ByteBuffer b = ByteBuffer.allocate(65536);
        try {
            int n;
            while ((n = c.read(b)) >= 0) {
                received.addAndGet(n);
                b.clear();
            }
        } catch (IOException e) {
            // The experiment closed the connection.
        }
    }
}
