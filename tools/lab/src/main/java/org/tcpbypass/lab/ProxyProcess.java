package org.tcpbypass.lab;

import org.tcpbypass.lab.onos.WebServer;

import org.tcpbypass.lab.net.LabHost;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The project's real proxy (tools/proxy's jar) running in the lab's proxy namespace, with its log kept for
 * the scenarios: hand-offs, fallbacks, its metrics line, and its CPU time from /proc.
 */
public final class ProxyProcess implements AutoCloseable {

    /** Where the proxy's runnable jar is built (mvn package -pl tools/proxy); -Dlab.proxy.jar overrides. */
    public static final String JAR = "tools/proxy/target/tcp-bypass-proxy.jar";

    private static final Pattern METRICS = Pattern.compile(
            "offloaded=(\\d+) fallbacks=(\\d+).*hand-off ms ([^;]+); freeze ms ([^;]+);");
    private static final long CLOCK_TICKS = 100;

    private final Process process;
    private final Path log;

    private ProxyProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts the proxy.
     *
     * @param repo       repository root (for the jar)
     * @param proxy      the proxy host
     * @param controller the app's REST base as seen from the proxy's namespace
     * @param config     the proxy's JSON configuration (listeners, offload policy, ramp)
     * @return the running proxy, once it listens
     */
    public static ProxyProcess start(Path repo, LabHost proxy, URI controller, String config) {
        Path jar = repo.resolve(System.getProperty("lab.proxy.jar", JAR));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: mvn -B -q package -DskipTests -pl tools/proxy -am");
        }
        try {
            Path cfg = Files.createTempFile("tcp-bypass-lab-proxy", ".json");
            cfg.toFile().deleteOnExit();
            Files.writeString(cfg, config);
            // The proxy has no default credentials and takes a password only from a file or its environment.
            Path password = Files.createTempFile("tcp-bypass-lab-password", "");
            password.toFile().deleteOnExit();
            Files.writeString(password, WebServer.PASSWORD + "\n");
            // Kept after the run: the proxy's own account of every hand-off.
            Path log = Files.createTempFile("tcp-bypass-lab-proxy", ".log");
            // The JVM's pauses beside it, wall-clock stamped like the proxy's lines: a hand-off step that slept
            // without waiting for a CPU either waited in the kernel or stood at a safepoint.
            Path jvmLog = Path.of(log.toString().replaceAll("\\.log$", ".jvm.log"));
            System.out.println("proxy log: " + log + " (JVM pauses: " + jvmLog + ")");
            String base = controller.toString().replaceAll("/$", "");
            List<String> cmd = new ArrayList<>(List.of(
                    "ip", "netns", "exec", proxy.namespace(),
                    System.getProperty("java.home") + "/bin/java", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                    "-Xlog:gc,safepoint:file=" + jvmLog + ":time,level,tags",
                    "-jar", jar.toString(), "--config", cfg.toString(),
                    "--name", LabController.PROXY_NAME, "--device-id", LabController.DEVICE_ID.toString(),
                    "--controller-url", base, "--controller-user", WebServer.USER,
                    "--controller-password-file", password.toString(), "--metrics-interval", "1", "--verbose"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            ProxyProcess pp = new ProxyProcess(p, log);
            pp.awaitStart();
            return pp;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the proxy", e);
        }
    }

    private void awaitStart() {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the proxy exited " + process.exitValue() + ": " + log());
            }
            if (log().contains("relays opened=")) {
                return;
            }
            sleep(100);
        }
        close();
        throw new IllegalStateException("the proxy did not start in 15 s: " + log());
    }

    /** Everything the proxy logged so far. */
    public String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Hand-offs completed so far (from its latest metrics line). */
    public long offloaded() {
        return lastMetrics().map(m -> Long.parseLong(m.group(1))).orElse(0L);
    }

    /** Fallbacks (hand-offs abandoned, relaying resumed) so far. */
    public long fallbacks() {
        return lastMetrics().map(m -> Long.parseLong(m.group(2))).orElse(0L);
    }

    /** Its latest hand-off latency summary, e.g. "p50=12.0 p99=40.0 max=41.0". */
    public String handoffSummary() {
        return lastMetrics().map(m -> m.group(3)).orElse("-");
    }

    /** Its latest freeze (stall) summary, e.g. "p50=30.0 p99=80.0 max=90.0". */
    public String freezeSummary() {
        return lastMetrics().map(m -> m.group(4)).orElse("-");
    }

    private java.util.Optional<Matcher> lastMetrics() {
        Matcher last = null;
        for (String line : log().split("\n")) {
            Matcher m = METRICS.matcher(line);
            if (m.find()) {
                last = m;
            }
        }
        return java.util.Optional.ofNullable(last);
    }

    /** CPU seconds (user + system) the proxy process has used, from /proc. */
    public double cpuSeconds() {
        try {
            return cpuSeconds(new File("/proc/" + process.pid() + "/stat").toPath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the proxy's CPU time", e);
        }
    }

    /**
     * CPU seconds (user + system) of the proxy's relay threads alone: the data path, without the JIT compilers, GC,
     * hand-off and controller threads, whose work is per process or per connection, not per byte.
     *
     * @return seconds
     */
    public double relayCpuSeconds() {
        try (java.util.stream.Stream<java.nio.file.Path> tasks =
                     Files.list(new File("/proc/" + process.pid() + "/task").toPath())) {
            double sum = 0;
            for (java.nio.file.Path t : (Iterable<java.nio.file.Path>) tasks::iterator) {
                try {
                    if (Files.readString(t.resolve("comm")).startsWith("relay-")) {
                        sum += cpuSeconds(t.resolve("stat"));
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // A thread that ended while listed has nothing left to count.
                }
            }
            return sum;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the proxy's thread CPU times", e);
        }
    }

    private static double cpuSeconds(java.nio.file.Path stat) throws IOException {
        String s = Files.readString(stat);
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / (double) CLOCK_TICKS;
    }

    /**
     * Waits until the proxy reports at least a number of completed hand-offs.
     *
     * @param count     hand-offs
     * @param timeoutMs bound
     * @return true when reached
     */
    public boolean awaitOffloaded(long count, long timeoutMs) {
        return await(this::offloaded, count, timeoutMs);
    }

    /**
     * Waits until the proxy reports at least a number of fallbacks: its metrics line comes once per interval, so a
     * fallback that just happened may not be in it yet.
     *
     * @param count     fallbacks
     * @param timeoutMs bound
     * @return true when reached
     */
    public boolean awaitFallbacks(long count, long timeoutMs) {
        return await(this::fallbacks, count, timeoutMs);
    }

    private boolean await(java.util.function.LongSupplier reported, long count, long timeoutMs) {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (reported.getAsLong() >= count) {
                return true;
            }
            sleep(100);
        }
        return reported.getAsLong() >= count;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
