package org.tcpbypass.pipeconf;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.Assume.assumeTrue;

/**
 * p4c and BMv2 found on PATH, and a simple_switch run in pcap-file mode (--use-files): no interfaces, no root.
 */
public final class Bmv2Tools {

    private Bmv2Tools() {
    }

    static Optional<Path> onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, tool);
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Copies the committed BMv2 JSON (the pipeconf's resource) into a folder.
     *
     * @param dir the test's scratch folder
     * @return the copy
     */
    public static Path committedJson(Path dir) throws IOException {
        Path json = dir.resolve("tcp_bypass.json");
        try (InputStream in = BypassPipelineConstants.class.getResourceAsStream("/p4c-out/bmv2/tcp_bypass.json")) {
            Files.copy(in, json);
        }
        return json;
    }

    /**
     * Deletes a test's scratch folder and everything in it; nothing when it was never made.
     *
     * @param dir the folder, or null
     */
    public static void deleteTree(Path dir) throws IOException {
        if (dir != null) {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Skips the calling test, saying which tool is missing. */
    public static void assumeOnPath(String... tools) {
        for (String tool : tools) {
            assumeTrue(tool + " is not on PATH: skipping (see p4src/README.md, 'BMv2 tests')",
                       onPath(tool).isPresent());
        }
    }

    /** Runs a command with a time limit; returns its combined output, failing on a non-zero exit. */
    static String run(List<String> command, Path dir, String stdin, Duration limit)
            throws IOException, InterruptedException {
        Path log = Files.createTempFile("tcp-bypass-cmd", ".log");
        try {
            Process process = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try (var in = process.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IOException(command + " did not finish within " + limit);
            }
            String output = Files.readString(log);
            if (process.exitValue() != 0) {
                throw new IOException(command + " exited with " + process.exitValue() + ":\n" + output);
            }
            return output;
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /**
     * A simple_switch replaying one pcap file per port after {@code waitSeconds}, in which the table entries
     * are installed over thrift. Outputs land in {@code <name>_out.pcap}.
     */
    public static final class PcapSwitch implements AutoCloseable {

        private final Path dir;
        private final Map<Integer, String> ports = new TreeMap<>();
        private final int thriftPort;
        private final long startNanos;
        private final int waitSeconds;
        private final Process process;

        PcapSwitch(Path json, Path dir, Map<Integer, List<byte[]>> inputs, int waitSeconds) throws IOException {
            this(json, dir, inputs, timesOneMsApart(inputs), waitSeconds);
        }

        /**
         * A switch replaying {@code sequence} (ingress port, frame) in its order, {@code gapMillis} apart, so that
         * frames arriving on different ports are processed in that order.
         */
        public static PcapSwitch sequenced(Path json, Path dir, List<Map.Entry<Integer, byte[]>> sequence,
                                    Iterable<Integer> ports, int gapMillis, int waitSeconds) throws IOException {
            Map<Integer, List<byte[]>> inputs = new TreeMap<>();
            Map<Integer, List<Long>> times = new TreeMap<>();
            ports.forEach(port -> {
                inputs.put(port, new ArrayList<>());
                times.put(port, new ArrayList<>());
            });
            long millis = System.currentTimeMillis();
            for (Map.Entry<Integer, byte[]> frame : sequence) {
                inputs.get(frame.getKey()).add(frame.getValue());
                times.get(frame.getKey()).add(millis);
                millis += gapMillis;
            }
            Map<Integer, long[]> stamps = new TreeMap<>();
            times.forEach((port, list) -> stamps.put(port, list.stream().mapToLong(Long::longValue).toArray()));
            return new PcapSwitch(json, dir, inputs, stamps, waitSeconds);
        }

        private static Map<Integer, long[]> timesOneMsApart(Map<Integer, List<byte[]>> inputs) {
            long firstMillis = System.currentTimeMillis();
            Map<Integer, long[]> times = new TreeMap<>();
            inputs.forEach((port, frames) -> {
                long[] millis = new long[frames.size()];
                for (int i = 0; i < millis.length; i++) {
                    millis[i] = firstMillis + i;
                }
                times.put(port, millis);
            });
            return times;
        }

        private PcapSwitch(Path json, Path dir, Map<Integer, List<byte[]>> inputs, Map<Integer, long[]> times,
                           int waitSeconds) throws IOException {
            this.dir = dir;
            this.waitSeconds = waitSeconds;
            try (ServerSocket socket = new ServerSocket(0)) {
                thriftPort = socket.getLocalPort();
            }
            List<String> command = new ArrayList<>(List.of(onPath("simple_switch").orElseThrow().toString(),
                    "--use-files", String.valueOf(waitSeconds), "--thrift-port", String.valueOf(thriftPort),
                    "--device-id", "0"));
            for (Map.Entry<Integer, List<byte[]>> input : inputs.entrySet()) {
                String name = "port" + input.getKey();
                ports.put(input.getKey(), name);
                Pcap.write(dir.resolve(name + "_in.pcap"), input.getValue(), times.get(input.getKey()));
                command.add("-i");
                command.add(input.getKey() + "@" + name);
            }
            command.add(json.toAbsolutePath().toString());
            startNanos = System.nanoTime();
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("switch.out").toFile()).start();
        }

        /** Runs simple_switch_CLI commands, retrying until the thrift server answers. */
        public String cli(String commands) throws IOException, InterruptedException {
            IOException last = null;
            for (int attempt = 0; attempt < 20; attempt++) {
                if (!process.isAlive()) {
                    throw new IOException("simple_switch exited with " + process.exitValue() + ":\n"
                            + Files.readString(dir.resolve("switch.out")));
                }
                try {
                    String output = run(cliCommand(), dir, commands, Duration.ofSeconds(30));
                    if (output.contains("Could not connect") || output.contains("TTransportException")) {
                        throw new IOException(output);
                    }
                    return output;
                } catch (IOException e) {
                    last = e;
                    Thread.sleep(250);
                }
            }
            throw last;
        }

        private List<String> cliCommand() {
            String cli = onPath("simple_switch_CLI").orElseThrow().toString();
            return List.of(cli, "--thrift-port", String.valueOf(thriftPort));
        }

        /** Fails unless the switch still waits: entries installed later would miss the first packets. */
        public void checkStillWaiting() {
            long elapsed = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
            if (elapsed >= waitSeconds) {
                throw new IllegalStateException("Entries took " + elapsed + " s to install; the switch started "
                        + "replaying after " + waitSeconds + " s");
            }
        }

        /** Waits until the ports hold at least the given number of frames, then a moment for strays. */
        public Map<Integer, List<byte[]>> awaitOutputs(Map<Integer, Integer> counts, Duration limit)
                throws IOException, InterruptedException {
            long deadline = System.nanoTime() + limit.toNanos();
            while (true) {
                Map<Integer, List<byte[]>> outputs = outputs();
                boolean done = counts.entrySet().stream()
                        .allMatch(c -> outputs.get(c.getKey()).size() >= c.getValue());
                if (done || System.nanoTime() > deadline) {
                    Thread.sleep(500);
                    return outputs();
                }
                Thread.sleep(100);
            }
        }

        public Map<Integer, List<byte[]>> outputs() throws IOException {
            Map<Integer, List<byte[]>> outputs = new TreeMap<>();
            for (Map.Entry<Integer, String> port : ports.entrySet()) {
                outputs.put(port.getKey(), Pcap.read(dir.resolve(port.getValue() + "_out.pcap")));
            }
            return outputs;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }
}
