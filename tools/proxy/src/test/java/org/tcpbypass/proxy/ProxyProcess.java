package org.tcpbypass.proxy;

import org.tcpbypass.proxy.linux.ThreadStats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The proxy as its own process (Main, this module's classpath), optionally inside a network namespace. */
final class ProxyProcess implements AutoCloseable {
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
        return ThreadStats.cpuSeconds(ThreadStats.fields(Paths.get("/proc/" + process.pid() + "/stat")));
    }

    /** CPU seconds (user + system) of the relay worker threads alone, without JIT compiler, GC or controller. */
    double relayThreadCpuSeconds() throws IOException {
        return threadCpuSeconds(name -> name.startsWith("relay-"));
    }

    /** CPU seconds (user + system) of the JIT compiler threads. */
    double compilerThreadCpuSeconds() throws IOException {
        return threadCpuSeconds(ThreadStats::isJitCompiler);
    }

    private double threadCpuSeconds(Predicate<String> name) throws IOException {
        double sum = 0;
        for (String[] f : ThreadStats.of(process.pid(), name).values()) {
            sum += ThreadStats.cpuSeconds(f);
        }
        return sum;
    }

    /** The nice values of the process's threads whose name starts with {@code prefix}. */
    List<Integer> threadNiceness(String prefix) throws IOException {
        List<Integer> values = new ArrayList<>();
        for (String[] f : threadStats(prefix)) {
            values.add(Integer.parseInt(f[ThreadStats.NICE]));
        }
        return values;
    }

    private Collection<String[]> threadStats(String prefix) throws IOException {
        return ThreadStats.of(process.pid(), name -> name.startsWith(prefix)).values();
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
