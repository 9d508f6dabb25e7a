package org.tcpbypass.lab.scenario;

import org.tcpbypass.lab.LabEnvironment;
import org.tcpbypass.lab.bmv2.Bmv2Cli;
import org.tcpbypass.lab.bmv2.SimpleSwitch;
import org.tcpbypass.lab.net.FramePort;
import org.tcpbypass.lab.net.Shell;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * BMv2 packets per second through the bypass table vs plain forwarding by the ACL: a packet generator offers
 * more than the switch takes (40,000 frames/s), alternately segments of a bypassed connection (translated: addresses, SEQ/ACK,
 * window, timestamps, both checksums, the FIN/RST register) and of a connection that is not (ACL); the rate is
 * what leaves the switch. Once per log level, each on a fresh switch; one line each:
 * {@code bmv2_pps bypass=X forward=Y ratio=Z log=LEVEL}.
 */
final class PacketRateBench {

    /**
     * trace: BMv2's default when started without a level (a message formatted per step, no sink); warn: the lab's
     * and ONOS's mininet switch; off: no logging at all.
     */
    static final List<String> LOG_LEVELS = List.of("trace", SimpleSwitch.DEFAULT_LOG_LEVEL, "off");

    private static final int ROUNDS = 5;
    // Offered load: above what BMv2 takes on the lab's machine at either log level (about 4,000 and 15,000
    // packets/s), paced so that the generator leaves the switch the CPU.
    private static final int OFFERED_PER_SECOND = 40_000;
    private static final long ROUND_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final String GENERATOR = "tbbgen";
    private static final String SINK = "tbbsink";
    private static final String SWITCH_IN = "tbbsw1";
    private static final String SWITCH_OUT = "tbbsw2";

    private static final int C = 0xc6120001;
    private static final int V = 0xc6120064;
    private static final int P = 0xc6120032;
    private static final int S = 0xc613000a;
    private static final int CP = 40000;
    private static final int VP = 80;
    private static final int PP = 51000;
    private static final int SP = 8080;

    private PacketRateBench() {
    }

    /** Measures each log level and prints its line. */
    static void run() throws Exception {
        Path json = LabEnvironment.bmv2Json();
        for (String level : LOG_LEVELS) {
            veths();
            try (SimpleSwitch sw = SimpleSwitch.start(json, Map.of(1, SWITCH_IN, 2, SWITCH_OUT), level);
                 Bmv2Cli cli = Bmv2Cli.connect(sw.thriftPort());
                 FramePort generator = new FramePort(GENERATOR, 100)) {
                install(cli);
                byte[] bypassed = segment(CP);
                byte[] forwarded = segment(CP + 1);
                // Warm-up: the first packets pay for lazily built state in BMv2.
                generator.repeat(bypassed, OFFERED_PER_SECOND, System.nanoTime() + ROUND_NANOS / 4);
                generator.repeat(forwarded, OFFERED_PER_SECOND, System.nanoTime() + ROUND_NANOS / 4);
                double[] bypass = new double[ROUNDS];
                double[] forward = new double[ROUNDS];
                for (int i = 0; i < ROUNDS; i++) {
                    bypass[i] = rate(generator, bypassed);
                    forward[i] = rate(generator, forwarded);
                }
                double b = median(bypass);
                double f = median(forward);
                System.out.printf(Locale.ROOT, "bmv2_pps bypass=%.0f forward=%.0f ratio=%.3f log=%s%n",
                                  b, f, b / f, level);
                System.out.printf(Locale.ROOT, "bench: log=%s rounds of %d s, bypass %s, forward %s%n", level,
                                  TimeUnit.NANOSECONDS.toSeconds(ROUND_NANOS), rounded(bypass), rounded(forward));
            } finally {
                Shell.tryRun(List.of("ip", "link", "del", GENERATOR));
                Shell.tryRun(List.of("ip", "link", "del", SINK));
            }
        }
    }

    // Two veth pairs in the root namespace: generator -> switch port 1, switch port 2 -> sink. No IPv6, so the
    // kernel sends nothing of its own into the switch.
    private static void veths() {
        for (String[] pair : new String[][] {{GENERATOR, SWITCH_IN}, {SINK, SWITCH_OUT}}) {
            Shell.tryRun(List.of("ip", "link", "del", pair[0]));
            Shell.run("ip", "link", "add", pair[0], "type", "veth", "peer", "name", pair[1]);
            for (String end : pair) {
                Shell.run("sysctl", "-qw", "net.ipv6.conf." + end + ".disable_ipv6=1");
                Shell.run("ip", "link", "set", end, "up");
            }
        }
    }

    // The same entries the app would install for one direction (deltas and shifts that change every field), and
    // an ACL entry that forwards everything else from port 1 to port 2.
    private static void install(Bmv2Cli cli) {
        for (String table : List.of("ingress.bypass.bypass_table", "ingress.bypass.bypass_guard")) {
            cli.tableAdd(table, "ingress.bypass.rewrite",
                         List.of(ip(C), ip(V), Integer.toString(CP), Integer.toString(VP)),
                         List.of("2", "02:00:00:00:01:00", "02:00:00:00:02:00", ip(P), ip(S), Integer.toString(PP),
                                 Integer.toString(SP), "0x30000000", "0xf0000000", "0x7ffffff0", "0x12345678", "7",
                                 "9", "0", "0x7fff80"),
                         -1);
        }
        List<String> acl = new ArrayList<>(List.of("1&&&0x1ff"));
        acl.addAll(Arrays.asList("0&&&0", "0&&&0", "0&&&0", "0&&&0", "0&&&0", "0&&&0", "0&&&0", "0&&&0",
                                 "0&&&0", "0&&&0"));
        cli.tableAdd("ingress.acl.acl_table", "ingress.acl.set_egress_port", acl, List.of("2"), 1);
    }

    // Frames leaving the switch per second while the generator offers one frame over and over.
    private static double rate(FramePort generator, byte[] frame) throws IOException, InterruptedException {
        long before = received();
        long start = System.nanoTime();
        generator.repeat(frame, OFFERED_PER_SECOND, start + ROUND_NANOS);
        // What the switch still holds leaves within this pause and counts for this round.
        Thread.sleep(300);
        return (received() - before) / (ROUND_NANOS / 1e9);
    }

    private static long received() throws IOException {
        return Long.parseLong(Files.readString(Path.of("/sys/class/net", SINK, "statistics", "rx_packets")).trim());
    }

    // A client segment as Linux sends it: ACK|PSH, NOP NOP TS, 100 bytes; checksums valid.
    private static byte[] segment(int clientPort) {
        byte[] payload = new byte[100];
        Arrays.fill(payload, (byte) 'x');
        int tcpLen = 20 + 12 + payload.length;
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + tcpLen);
        b.putShort((short) 0x0200).putInt(0x00000100).putShort((short) 0x0200).putInt(0x00000001)
                .putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (20 + tcpLen)).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 6).putShort((short) 0).putInt(C).putInt(V);
        b.putShort((short) clientPort).putShort((short) VP).putInt(0xF0000010).putInt(0x10000000)
                .put((byte) 0x80).put((byte) 0x18).putShort((short) 1000).putShort((short) 0).putShort((short) 0)
                .putInt(0x0101080a).putInt(0x90000000).putInt(5).put(payload);
        byte[] f = b.array();
        putU16(f, 14 + 10, ~sum(f, 14, 20, 0) & 0xffff);
        int pseudo = sum(f, 14 + 12, 8, 0) + 6 + tcpLen;
        putU16(f, 34 + 16, ~sum(f, 34, tcpLen, pseudo) & 0xffff);
        return f;
    }

    private static int sum(byte[] f, int offset, int len, int initial) {
        long s = initial;
        for (int i = 0; i < len; i += 2) {
            s += ((f[offset + i] & 0xff) << 8) | (i + 1 < len ? f[offset + i + 1] & 0xff : 0);
        }
        while (s >> 16 != 0) {
            s = (s & 0xffff) + (s >> 16);
        }
        return (int) s;
    }

    private static void putU16(byte[] f, int offset, int value) {
        f[offset] = (byte) (value >>> 8);
        f[offset + 1] = (byte) value;
    }

    private static String ip(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String rounded(double[] values) {
        StringBuilder s = new StringBuilder();
        for (double v : values) {
            s.append(s.length() == 0 ? "" : " ").append(Math.round(v));
        }
        return s.toString();
    }
}
