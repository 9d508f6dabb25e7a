package org.tcpbypass.lab.scenario;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The segments an endpoint sent again, from a capture of its own interface (tcpdump): a data segment whose end
 * does not lie beyond the highest sequence number the endpoint had already sent on that flow. Tells which
 * retransmissions fell inside a connection's hand-off and which the lab's link caused elsewhere, where nstat only
 * counts them all.
 */
final class EndpointRetransmissions implements AutoCloseable {
    private static final Pattern SEGMENT = Pattern.compile(
            "^(\\d+\\.\\d+) IP (\\d+\\.\\d+\\.\\d+\\.\\d+)\\.(\\d+) > (\\d+\\.\\d+\\.\\d+\\.\\d+)\\.(\\d+): .*?seq (\\d+):(\\d+)");

    /** One retransmitted segment: when (epoch seconds), and its sender's and receiver's ports. */
    static final class Retransmission {
        final double epochSeconds;
        final int sourcePort;
        final int destinationPort;

        Retransmission(double epochSeconds, int sourcePort, int destinationPort) {
            this.epochSeconds = epochSeconds;
            this.sourcePort = sourcePort;
            this.destinationPort = destinationPort;
        }
    }

    private final String source;
    private final File pcap;
    private final Process tcpdump;

    /** Captures TCP segments {@code source} sends on eth0 of {@code namespace}. */
    EndpointRetransmissions(String namespace, String source) throws IOException, InterruptedException {
        this.source = source;
        this.pcap = File.createTempFile("tcp-bypass-lab-endpoint", ".pcap");
        pcap.deleteOnExit();
        tcpdump = new ProcessBuilder("ip", "netns", "exec", namespace, "tcpdump", "-i", "eth0", "-nn", "-U", "-s",
                                     "96", "-w", pcap.getPath(), "tcp and src host " + source)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        // tcpdump opens the interface within milliseconds; segments before that would be missed.
        TimeUnit.MILLISECONDS.sleep(500);
        if (!tcpdump.isAlive()) {
            throw new IOException("tcpdump exited with " + tcpdump.exitValue() + " in " + namespace);
        }
    }

    /** Stops the capture and returns the retransmitted segments, in capture order. */
    List<Retransmission> stop() throws IOException, InterruptedException {
        close();
        Process read = new ProcessBuilder("tcpdump", "-nn", "-tt", "-S", "-r", pcap.getPath())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String text = new String(read.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        read.waitFor();
        Files.deleteIfExists(pcap.toPath());
        Map<String, Long> highest = new HashMap<>();
        List<Retransmission> found = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = SEGMENT.matcher(line);
            if (!m.find() || !m.group(2).equals(source)) {
                continue;
            }
            String flow = m.group(3) + ">" + m.group(4) + ":" + m.group(5);
            long end = Long.parseLong(m.group(7));
            Long before = highest.get(flow);
            if (before != null && (int) (end - before) <= 0) {
                found.add(new Retransmission(Double.parseDouble(m.group(1)), Integer.parseInt(m.group(3)),
                                             Integer.parseInt(m.group(5))));
            } else {
                highest.put(flow, end);
            }
        }
        return found;
    }

    @Override
    public void close() throws InterruptedException {
        if (tcpdump.isAlive()) {
            tcpdump.destroy();
            tcpdump.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
