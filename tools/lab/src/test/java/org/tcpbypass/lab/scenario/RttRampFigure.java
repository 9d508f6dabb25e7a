package org.tcpbypass.lab.scenario;

import org.tcpbypass.lab.Lab;
import org.tcpbypass.lab.LabEnvironment;
import org.tcpbypass.lab.ProxyProcess;
import org.tcpbypass.lab.net.LabHost;
import org.tcpbypass.lab.net.Shell;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The seed's congestion-control figure, from the proxy's own RTT ramp: one TCP flow (the client sends) for
 * {@value #SECONDS} s through a {@link #RATE} bottleneck, the proxy removed at about {@value #HANDOFF_SECOND} s,
 * 100 ms end-to-end RTT after the bypass (the server's lab link delays 50 ms each way; the client's leg is short).
 * For CUBIC and for BBR (set in every namespace), once with the proxy's ramp at its defaults (20 ms steps every
 * 200 ms, then an 11 s dwell), once without. Writes docs/rtt-ramp.csv and docs/rtt-ramp.png (gnuplot) and prints
 * each run's dip after the hand-off.
 */
public final class RttRampFigure {
    static final int SECONDS = 60;
    static final int HANDOFF_SECOND = 30;
    /** The ramp's defaults: 5 steps of 200 ms to 100 ms, then 11 s of dwell. */
    static final double RAMP_SECONDS = 1 + 11;
    static final String DEFAULT_RATE = "20mbit";
    static final String RATE = System.getProperty("lab.figure.rate", DEFAULT_RATE);
    /** Why not the seed's 100 Mbit/s, for the figure's caption (tools/lab/README.md has the measurements). */
    private static final String RATE_WHY = RATE.equals(DEFAULT_RATE)
            ? ", not 100: the most the relayed flow carries cleanly through BMv2 on 2 cores" : "";
    static final long ONE_WAY_MICROS = 50_000;
    static final long SAMPLE_MS = 250;
    static final int DIP_WINDOW = 15;
    static final List<String> CCS = List.of("cubic", "bbr");
    private static final Path ALLOWED = Path.of("/proc/sys/net/ipv4/tcp_allowed_congestion_control");
    private static final Pattern RTT = Pattern.compile("\\brtt:([0-9.]+)/");

    private RttRampFigure() {
    }

    /** One run's samples: {time s, Mbit/s, client's smoothed RTT ms, 1 once handed off}. */
    private static final class Run {
        final String cc;
        final boolean ramp;
        final List<double[]> samples = new ArrayList<>();

        Run(String cc, boolean ramp) {
            this.cc = cc;
            this.ramp = ramp;
        }

        String name() {
            return cc + (ramp ? "_ramp" : "_plain");
        }

        double handoff() {
            return samples.stream().filter(x -> x[3] > 0).mapToDouble(x -> x[0]).findFirst().orElse(-1);
        }

        /** Mean Mbit/s over [from, to) s. */
        double mean(double from, double to) {
            return samples.stream().filter(x -> x[0] >= from && x[0] < to).mapToDouble(x -> x[1]).average()
                    .orElse(0);
        }

        /**
         * The dip after the hand-off: the lowest 1 s mean within {@value #DIP_WINDOW} s, and for how long in that
         * window the 1 s mean lay below 80% of the mean over the 5 s before the proxy's decision (before its ramp,
         * if any).
         */
        String dip() {
            double h = handoff();
            if (h < 0) {
                return name() + ": no hand-off";
            }
            double decided = h - (ramp ? RAMP_SECONDS : 0);
            double before = mean(decided - 5, decided);
            double low = Double.MAX_VALUE;
            int below = 0;
            for (double[] x : samples) {
                if (x[0] >= h + 1 && x[0] < h + DIP_WINDOW + 1) {
                    double m = mean(x[0] - 1, x[0] + 1e-6);
                    low = Math.min(low, m);
                    below += m < 0.8 * before ? 1 : 0;
                }
            }
            return String.format(Locale.ROOT, "%s: hand-off at %.1f s; before the decision %.1f Mbit/s; after the"
                                         + " hand-off lowest 1 s mean %.1f Mbit/s (%.0f%%), %.2f s below 80%%", name(),
                                 h, before, low, 100 * low / before, below * SAMPLE_MS / 1000.0);
        }
    }

    /**
     * Runs the four experiments and writes the CSV and PNG.
     *
     * @param repo repository root
     * @return true when every run handed off and the files were written
     */
    public static boolean run(Path repo) throws Exception {
        Optional<String> missing = LabEnvironment.bmv2Missing();
        if (missing.isPresent()) {
            System.out.println("figure not made: " + missing.get());
            return false;
        }
        // Checked first: the four runs take minutes and the plot is their last step.
        if (!Shell.onPath("gnuplot")) {
            System.out.println("figure not made: no gnuplot on PATH (Debian package gnuplot-nox)");
            return false;
        }
        List<Run> runs = new ArrayList<>();
        // A namespace other than the host's may only choose an allowed congestion control (here "reno bbr").
        String allowed = Files.readString(ALLOWED).trim();
        Files.writeString(ALLOWED, allowed + " " + String.join(" ", CCS));
        try {
            for (String cc : CCS) {
                for (boolean ramp : new boolean[] {true, false}) {
                    Run r = new Run(cc, ramp);
                    experiment(repo, r);
                    runs.add(r);
                    System.out.println("figure: " + r.dip());
                }
            }
        } finally {
            Files.writeString(ALLOWED, allowed);
        }
        Path csv = repo.resolve("docs/rtt-ramp.csv");
        StringBuilder sb = new StringBuilder("# one TCP flow (client sends) through tcp-bypass on BMv2, bottleneck "
                + RATE + ", RTT 100 ms after the bypass; hand-off at about " + HANDOFF_SECOND
                + " s (handoff columns: 1 once handed off); ramp: the proxy's own, at its defaults; made by"
                + " tools/lab/run-lab.sh figure on " + LocalDate.now() + "\n");
        for (Run r : runs) {
            sb.append("# ").append(r.dip()).append('\n');
        }
        sb.append("time_s");
        for (Run r : runs) {
            sb.append(',').append(r.name()).append("_mbps,").append(r.name()).append("_rtt_ms,").append(r.name())
                    .append("_handoff");
        }
        sb.append('\n');
        int rows = runs.stream().mapToInt(r -> r.samples.size()).min().orElse(0);
        for (int i = 0; i < rows; i++) {
            sb.append(String.format(Locale.ROOT, "%.2f", runs.get(0).samples.get(i)[0]));
            for (Run r : runs) {
                double[] s = r.samples.get(i);
                sb.append(String.format(Locale.ROOT, ",%.2f,%.1f,%d", s[1], s[2], (int) s[3]));
            }
            sb.append('\n');
        }
        Files.writeString(csv, sb.toString());
        plot(repo, csv, runs);
        System.out.println("figure written: " + csv + " " + repo.resolve("docs/rtt-ramp.png"));
        return runs.stream().allMatch(r -> r.handoff() >= 0);
    }

    private static void plot(Path repo, Path csv, List<Run> runs) throws IOException {
        List<String> gp = new ArrayList<>(List.of(
                "set terminal pngcairo size 1100,900 font 'sans,10'",
                "set output '" + repo.resolve("docs/rtt-ramp.png") + "'",
                "set datafile separator ','",
                "set multiplot layout 2,1 title \"One TCP flow through BMv2 (" + RATE + " bottleneck" + RATE_WHY
                        + "),\\nproxy removed at about " + HANDOFF_SECOND + " s, RTT 100 ms after the bypass; ramp: the"
                        + " proxy's own\"",
                "set xlabel 'time (s)'", "set ylabel 'throughput (Mbit/s)'", "set y2label 'client RTT (ms)'",
                "set y2tics", "set ytics nomirror", "set grid", "set key top left opaque box",
                "set xrange [0:" + SECONDS + "]",
                // Goodput as the receiving application reads it: after a loss the bytes behind it arrive in one burst.
                String.format(Locale.ROOT, "set yrange [0:%d]", parseRate(RATE) * 2 / 1_000_000),
                "set y2range [0:*]"));
        for (int c = 0; c < CCS.size(); c++) {
            int col = 2 + c * 6;
            Run ramp = runs.get(2 * c);
            Run plain = runs.get(2 * c + 1);
            gp.add("unset arrow");
            gp.add(String.format(Locale.ROOT, "set arrow from %.2f, graph 0 to %.2f, graph 1 nohead dt 2 lc rgb"
                    + " 'dark-violet'", ramp.handoff(), ramp.handoff()));
            gp.add(String.format(Locale.ROOT, "set arrow from %.2f, graph 0 to %.2f, graph 1 nohead dt 3 lc rgb"
                    + " 'dark-green'", plain.handoff(), plain.handoff()));
            gp.add("set title '" + CCS.get(c).toUpperCase(Locale.ROOT) + " (dashed lines: the hand-offs)'");
            gp.add("plot '" + csv + "' using 1:" + col + " with lines lw 2 lc rgb 'dark-violet' title 'with the RTT"
                    + " ramp', '' using 1:" + (col + 3) + " with lines lw 2 lc rgb 'dark-green' title 'without',"
                    + " '' using 1:" + (col + 1) + " axes x1y2 with lines dt 2 lc rgb 'dark-violet' title 'client RTT,"
                    + " ramp', '' using 1:" + (col + 4) + " axes x1y2 with lines dt 2 lc rgb 'dark-green' title"
                    + " 'client RTT, without'");
        }
        gp.add("unset multiplot");
        Path script = Files.createTempFile("rtt-ramp", ".gp");
        Files.writeString(script, String.join("\n", gp) + "\n");
        Shell.run("gnuplot", script.toString());
    }

    private static void experiment(Path repo, Run run) throws Exception {
        try (Lab lab = Lab.start(repo, Set.of("server"))) {
            for (LabHost h : lab.topology().hosts()) {
                h.exec("sysctl", "-qw", "net.ipv4.tcp_congestion_control=" + run.cc);
            }
            lab.topology().link(lab.topology().server()).setDelayMicros(ONE_WAY_MICROS);
            // The bottleneck: what the switch sends towards the server, relayed or bypassed. Its queue is kept below
            // the switch's packet-socket send buffer (212 KB): what tbf holds counts against that buffer, so a longer
            // queue blocks the switch's sends and fills its 1024-packet egress queue instead (600 ms at 20 Mbit/s).
            Shell.run("tc", "qdisc", "replace", "dev", lab.topology().server().switchInterface(), "root", "tbf",
                      "rate", RATE, "burst", "32kb", "limit", "100kb");
            long rateBytes = parseRate(RATE) / 8;
            // The proxy decides this long before the hand-off when it ramps.
            double decision = HANDOFF_SECOND - (run.ramp ? RAMP_SECONDS : 0);
            long handoffBytes = (long) (rateBytes * 0.95 * decision);
            // With 100 ms RTT and a full bottleneck queue the legs need more than the default 2 s to drain.
            ProxyProcess proxy = lab.startProxy("{\"policy\": \"bytes\", \"bytes\": " + handoffBytes + "}",
                                                "\"handoff\": {\"drainTimeoutMillis\": 10000},"
                                                        + " \"controller\": {\"offloadTimeoutMillis\": 20000}"
                                                        + (run.ramp ? ", \"rttRamp\": {\"enabled\": true}" : ""));
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
                long start = System.nanoTime();
                long last = 0;
                long lastAt = start;
                // Sampled on a fixed schedule: a late sample is not counted as a slow one.
                for (int i = 1; i <= SECONDS * 1000 / SAMPLE_MS; i++) {
                    long due = start + i * SAMPLE_MS * 1_000_000L;
                    Thread.sleep(Math.max(0, (due - System.nanoTime()) / 1_000_000));
                    long bytes = received.get();
                    long now = System.nanoTime();
                    // Bits per microsecond: Mbit/s over the time that really passed.
                    double mbps = (bytes - last) * 8 / ((now - lastAt) / 1e3);
                    run.samples.add(new double[] {(now - start) / 1e9, mbps, clientRtt(lab),
                                                  proxy.offloaded() >= 1 ? 1 : 0});
                    last = bytes;
                    lastAt = now;
                }
                s.close();
                c.close();
            }
        }
    }

    /** The client socket's smoothed RTT (ms) as ss reads it in the client's namespace. */
    private static double clientRtt(Lab lab) {
        Matcher m = RTT.matcher(lab.topology().client().exec("ss", "-tinH", "state", "established", "dport", "=",
                                                              ":" + Lab.VIP_PORT));
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
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
        ByteBuffer b = ByteBuffer.allocate(65536);
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
