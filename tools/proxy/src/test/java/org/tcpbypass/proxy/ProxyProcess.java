package org.tcpbypass.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** The proxy as its own process (Main, this module's classpath), optionally inside a network namespace. */
final class ProxyProcess implements AutoCloseable {
    // Fields 14, 15 and 19 of stat(5), as statFields numbers them.
    private static final int UTIME = 11;
    private static final int STIME = 12;
    private static final int NICE = 16;
    private final Process process;
    private final Path log;

    /** Starts {@code prefix} + java Main {@code args}; waits for the listening line unless it exits first. */
    ProxyProcess(List<String> prefix, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                           "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-Xmx256m",
                           "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(args);
        log = Files.createTempFile("tcp-bypass-proxy", ".log");
        log.toFile().deleteOnExit();
        process = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!listening() && process.isAlive() && System.nanoTime() < end) {
            Thread.sleep(50);
        }
    }

    /** In network namespace {@code ns}. */
    static ProxyProcess inNamespace(String ns, String... args) throws IOException, InterruptedException {
        return new ProxyProcess(List.of("ip", "netns", "exec", ns), List.of(args));
    }

    boolean listening() {
        return output().contains("listening on");
    }

    /** Everything the process printed so far. */
    String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Waits for the process to exit by itself; its status. */
    int exitStatus() throws InterruptedException {
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("proxy did not exit:\n" + output());
        }
        Thread.sleep(100);
        return process.exitValue();
    }

    /** CPU seconds (user + system) the process has used so far. */
    double cpuSeconds() throws IOException {
        return cpuSeconds(statFields(Paths.get("/proc/" + process.pid() + "/stat")));
    }

    /** CPU seconds (user + system) of the relay worker threads alone, without JIT compiler, GC or controller. */
    double relayThreadCpuSeconds() throws IOException {
        double sum = 0;
        for (String[] f : threadStats("relay-")) {
            sum += cpuSeconds(f);
        }
        return sum;
    }

    /** The nice values of the process's threads whose name starts with {@code prefix}. */
    List<Integer> threadNiceness(String prefix) throws IOException {
        List<Integer> values = new ArrayList<>();
        for (String[] f : threadStats(prefix)) {
            values.add(Integer.parseInt(f[NICE]));
        }
        return values;
    }

    /** The stat(5) fields of each thread whose name starts with {@code prefix} (see {@link #statFields}). */
    private List<String[]> threadStats(String prefix) throws IOException {
        List<String[]> stats = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Paths.get("/proc/" + process.pid() + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                if (Files.readString(t.resolve("comm")).startsWith(prefix)) {
                    stats.add(statFields(t.resolve("stat")));
                }
            }
        }
        return stats;
    }

    /** The fields of a stat(5) file after the command name (which may hold spaces): index 0 is field 3, state. */
    private static String[] statFields(Path stat) throws IOException {
        String s = Files.readString(stat);
        return s.substring(s.lastIndexOf(')') + 2).split(" ");
    }

    private static double cpuSeconds(String[] f) {
        return (Long.parseLong(f[UTIME]) + Long.parseLong(f[STIME])) / 100.0;
    }

    /** Stops it as an operator would (SIGTERM) and waits for its shutdown. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
        Thread.sleep(50);
    }
}
