package org.tcpbypass.lab.scenario;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an endpoint's own interface saw (tcpdump): the segments the endpoint sent again, a segment with payload, SYN or
 * FIN whose end does not lie beyond the highest sequence number it had already sent on that flow, which tells the
 * retransmissions inside a connection's hand-off from those the lab's link caused elsewhere, where nstat only counts
 * them all; and when new payload arrived on each flow it received, by the kernel's clock as the segment reached the
 * endpoint, not when its application, one thread among the lab's on two cores, got round to reading it.
 */
final class EndpointCapture implements AutoCloseable {
    private static final Pattern SEGMENT = Pattern.compile(
            "^(\\d+\\.\\d+) IP (\\d+\\.\\d+\\.\\d+\\.\\d+)\\.(\\d+) > (\\d+\\.\\d+\\.\\d+\\.\\d+)\\.(\\d+):"
                    + " Flags \\[([^\\]]*)\\], seq (\\d+)(?::(\\d+))?");

    private static final Pattern FLOW = Pattern.compile(
            "^(\\d+\\.\\d+) IP (\\d+\\.\\d+\\.\\d+\\.\\d+\\.\\d+) > (\\d+\\.\\d+\\.\\d+\\.\\d+\\.\\d+):");
    /** Segments of the connection, both ways, kept to show what came before a segment sent again. */
    private static final int CONTEXT_LINES = 6;

    /**
     * One retransmitted segment: when (epoch seconds), when a segment starting at the same sequence number was first
     * sent (NaN if none was captured), its sender's and receiver's ports, and the connection's last segments before it
     * (both ways, tcpdump's lines).
     */
    static final class Retransmission {
        final double epochSeconds;
        final double firstSentSeconds;
        final int sourcePort;
        final int destinationPort;
        final List<String> before;

        Retransmission(double epochSeconds, double firstSentSeconds, int sourcePort, int destinationPort,
                       List<String> before) {
            this.epochSeconds = epochSeconds;
            this.firstSentSeconds = firstSentSeconds;
            this.sourcePort = sourcePort;
            this.destinationPort = destinationPort;
            this.before = before;
        }
    }

    private final String source;
    private final File pcap;
    private final Process tcpdump;
    private boolean kept;

    /** Captures the TCP segments {@code source} sends and receives on eth0 of {@code namespace}. */
    EndpointCapture(String namespace, String source) throws IOException, InterruptedException {
        this.source = source;
        this.pcap = File.createTempFile("tcp-bypass-lab-endpoint", ".pcap");
        tcpdump = new ProcessBuilder("ip", "netns", "exec", namespace, "tcpdump", "-i", "eth0", "-nn", "-U",
                                     "--immediate-mode", "-s",
                                     "96", "-w", pcap.getPath(), "tcp and host " + source)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // Immediate mode: libpcap's default block mode hands packets over when a block fills or its timeout passes,
        // and stopping tcpdump lost the run's last ones (a probe counted by the kernel but missing from the capture).
        // tcpdump opens the interface within milliseconds; segments before that would be missed.
        TimeUnit.MILLISECONDS.sleep(500);
        if (!tcpdump.isAlive()) {
            Files.deleteIfExists(pcap.toPath());
            throw new IOException("tcpdump exited with " + tcpdump.exitValue() + " in " + namespace);
        }
    }

    /** What a capture held: the segments sent again, in capture order, and the payload arrivals of each flow. */
    static final class Captured {
        final List<Retransmission> sentAgain = new ArrayList<>();
        private final Map<String, PayloadArrivals> arrivals = new HashMap<>();

        /** New payload arriving from {@code remote} at the endpoint's {@code local} address (none: no arrival). */
        PayloadArrivals arrivals(InetSocketAddress remote, InetSocketAddress local) {
            return arrivals.getOrDefault(flow(remote) + ">" + flow(local), new PayloadArrivals());
        }

        private static String flow(InetSocketAddress a) {
            return a.getAddress().getHostAddress() + "." + a.getPort();
        }
    }

    /** Stops the capture and returns what it held. */
    Captured stop() throws IOException, InterruptedException {
        stopCapture();
        Process read = new ProcessBuilder("tcpdump", "-nn", "-tt", "-S", "-r", pcap.getPath())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String text = new String(read.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        read.waitFor();
        return parse(text, source);
    }

    /** Keeps the capture file for a closer look (tcpdump -r), saying where and why. */
    void keep(String why) {
        kept = true;
        System.out.println("capture of " + source + " kept (" + why + "): " + pcap);
    }

    /** Reads {@code tcpdump -nn -tt -S} lines of a capture at the endpoint whose address is {@code source}. */
    static Captured parse(String text, String source) {
        Captured captured = new Captured();
        // The highest sequence number's end each flow carried so far, sent by the endpoint or received by it.
        Map<String, Long> highest = new HashMap<>();
        // Per flow and start sequence number, when such a segment left first (a tail-loss probe or a retransmission
        // timeout sends a segment again from the same start).
        Map<String, Double> firstSent = new HashMap<>();
        Map<String, ArrayDeque<String>> recent = new HashMap<>();
        for (String line : text.split("\n")) {
            Matcher f = FLOW.matcher(line);
            if (!f.find()) {
                continue;
            }
            String connection = f.group(2).compareTo(f.group(3)) < 0 ? f.group(2) + "-" + f.group(3)
                    : f.group(3) + "-" + f.group(2);
            ArrayDeque<String> context = recent.computeIfAbsent(connection, k -> new ArrayDeque<>());
            Matcher m = SEGMENT.matcher(line);
            if (m.find()) {
                String flow = f.group(2) + ">" + f.group(3);
                // tcpdump prints a range for payload, one number for a SYN or FIN without payload.
                boolean payload = m.group(8) != null;
                long end = payload ? Long.parseLong(m.group(8))
                        : m.group(6).matches(".*[SF].*") ? Long.parseLong(m.group(7)) + 1 : -1;
                Long before = end < 0 ? null : highest.get(flow);
                boolean beyond = end >= 0 && (before == null || (int) (end - before) > 0);
                double time = Double.parseDouble(m.group(1));
                if (m.group(2).equals(source)) {
                    String start = flow + "@" + m.group(7);
                    if (end >= 0 && !beyond) {
                        captured.sentAgain.add(new Retransmission(time, firstSent.getOrDefault(start, Double.NaN),
                                                                  Integer.parseInt(m.group(3)),
                                                                  Integer.parseInt(m.group(5)),
                                                                  new ArrayList<>(context)));
                    } else if (end >= 0) {
                        firstSent.putIfAbsent(start, time);
                    }
                } else if (m.group(4).equals(source) && payload && beyond) {
                    captured.arrivals.computeIfAbsent(flow, k -> new PayloadArrivals()).arrived(time);
                }
                if (beyond) {
                    highest.put(flow, end);
                }
            }
            context.addLast(line);
            if (context.size() > CONTEXT_LINES) {
                context.removeFirst();
            }
        }
        return captured;
    }

    /** Stops the capture if it still runs; deletes it unless {@link #keep(String)} kept it. */
    @Override
    public void close() throws IOException, InterruptedException {
        stopCapture();
        if (!kept) {
            Files.deleteIfExists(pcap.toPath());
        }
    }

    private void stopCapture() throws InterruptedException {
        if (tcpdump.isAlive()) {
            tcpdump.destroy();
            tcpdump.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
