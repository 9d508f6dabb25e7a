package org.tcpbypass.lab.bmv2;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One simple_switch process running a BMv2 JSON, its ports bound to veths, its thrift server on 127.0.0.1.
 */
public final class SimpleSwitch implements AutoCloseable {

    private static final long START_TIMEOUT_MS = 20_000;
    /**
     * The log level the lab runs BMv2 at unless {@value #LOG_LEVEL_PROPERTY} says otherwise: "warn", as ONOS's
     * mininet switch (tools/dev/mininet/bmv2.py) starts it (there with its console as the sink). Without a level
     * BMv2 formats a trace message for every table, condition and primitive, even with no sink: 15-25 % of its
     * per-packet CPU.
     */
    public static final String DEFAULT_LOG_LEVEL = "warn";
    /**
     * The switch's scheduling priority: the highest. A hardware switch forwards on its own silicon; a software switch
     * sharing two CPUs with the proxy and the controller at equal priority delays packets by the length of their CPU
     * bursts (a hand-off's), which no link between real hosts and a real switch does. It blocks when idle, so it
     * takes no more CPU than its packets need.
     */
    static final int NICENESS = -20;
    /** System property choosing BMv2's log level (trace, debug, info, warn, error, off). */
    public static final String LOG_LEVEL_PROPERTY = "lab.bmv2.logLevel";

    private final Process process;
    private final int thriftPort;
    private final File log;

    private SimpleSwitch(Process process, int thriftPort, File log) {
        this.process = process;
        this.thriftPort = thriftPort;
        this.log = log;
    }

    /**
     * Starts simple_switch and waits until its thrift server answers.
     *
     * @param json  BMv2 JSON
     * @param ports BMv2 port number to interface name
     * @return the running switch
     */
    public static SimpleSwitch start(Path json, Map<Integer, String> ports) {
        return start(json, ports, logLevel());
    }

    /**
     * Starts simple_switch at a log level and waits until its thrift server answers.
     *
     * @param json     BMv2 JSON
     * @param ports    BMv2 port number to interface name
     * @param logLevel trace (BMv2's own default), debug, info, warn, error or off
     * @return the running switch
     */
    public static SimpleSwitch start(Path json, Map<Integer, String> ports, String logLevel) {
        int thrift = freePort();
        List<String> cmd = new ArrayList<>(List.of("nice", "-n", Integer.toString(NICENESS)));
        cmd.addAll(List.of("simple_switch", "--device-id", "1", "--thrift-port", Integer.toString(thrift),
                           "--log-level", logLevel));
        ports.forEach((port, ifname) -> cmd.addAll(List.of("-i", port + "@" + ifname)));
        cmd.add(json.toString());
        try {
            File log = File.createTempFile("tcp-bypass-lab-switch", ".log");
            log.deleteOnExit();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(log).start();
            SimpleSwitch sw = new SimpleSwitch(p, thrift, log);
            sw.awaitThrift();
            return sw;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start simple_switch", e);
        }
    }

    /** The log level switches start at: {@value #LOG_LEVEL_PROPERTY}, or {@value #DEFAULT_LOG_LEVEL}. */
    public static String logLevel() {
        return System.getProperty(LOG_LEVEL_PROPERTY, DEFAULT_LOG_LEVEL);
    }

    private void awaitThrift() {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("simple_switch exited " + process.exitValue() + "; see " + log);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", thriftPort), 200);
                return;
            } catch (IOException e) {
                sleep(100);
            }
        }
        close();
        throw new IllegalStateException("simple_switch's thrift server did not answer in " + START_TIMEOUT_MS
                                                + " ms; see " + log);
    }

    /** The thrift port simple_switch_CLI talks to. */
    public int thriftPort() {
        return thriftPort;
    }

    /** Whether the process still runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The process id, e.g. to read its CPU time. */
    public long pid() {
        return process.pid();
    }

    /** Stops the switch. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port on loopback", e);
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
