package org.tcpbypass.lab.bmv2;

import org.tcpbypass.lab.RealTime;

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
 * One BMv2 switch process, its ports bound to veths, its thrift server on 127.0.0.1: simple_switch running a BMv2
 * JSON, or simple_switch_grpc started without a pipeline (a P4Runtime client pushes it) with its P4Runtime server
 * on 127.0.0.1 and its CPU port handing packets to that server.
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
    /** The switch's device id, thrift and P4Runtime alike. */
    public static final int DEVICE_ID = 1;
    /** System property choosing BMv2's log level (trace, debug, info, warn, error, off). */
    public static final String LOG_LEVEL_PROPERTY = "lab.bmv2.logLevel";

    private final Process process;
    private final int thriftPort;
    private final int grpcPort;
    private final File log;

    private SimpleSwitch(Process process, int thriftPort, int grpcPort, File log) {
        this.process = process;
        this.thriftPort = thriftPort;
        this.grpcPort = grpcPort;
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
        List<String> cmd = command("simple_switch", thrift, ports, logLevel);
        cmd.add(json.toString());
        return launch(cmd, thrift, -1);
    }

    /**
     * Starts simple_switch_grpc without a pipeline and waits until its thrift and P4Runtime servers answer.
     *
     * @param ports   BMv2 port number to interface name (not the CPU port)
     * @param cpuPort the port whose packets go to the P4Runtime server's packet-in, and packet-outs come from
     * @return the running switch
     */
    public static SimpleSwitch startGrpc(Map<Integer, String> ports, int cpuPort) {
        int thrift = freePort();
        int grpc = freePort();
        List<String> cmd = command("simple_switch_grpc", thrift, ports, logLevel());
        cmd.addAll(List.of("--no-p4", "--", "--grpc-server-addr", "127.0.0.1:" + grpc,
                           "--cpu-port", Integer.toString(cpuPort)));
        return launch(cmd, thrift, grpc);
    }

    // Real-time (tools/lab/README.md, 2026-12-03 14:23): at nice -20 its threads still waited 2-6 ms for a CPU behind
    // the proxy, the controller and the JIT on the two shared cores; a hardware switch forwards on its own silicon.
    private static List<String> command(String program, int thrift, Map<Integer, String> ports, String logLevel) {
        List<String> cmd = new ArrayList<>(List.of("chrt", "--fifo", Integer.toString(RealTime.SWITCH_PRIORITY)));
        // BMv2 binds ipc:///tmp/bmv2-<device id>-notifications.ipc by default: a second switch with device id 1 on
        // the machine (another lab, a BMv2 test) would exit at start. The thrift port makes the address unique.
        cmd.addAll(List.of(program, "--device-id", Integer.toString(DEVICE_ID), "--thrift-port",
                           Integer.toString(thrift), "--log-level", logLevel, "--notifications-addr",
                           "ipc:///tmp/tcp-bypass-lab-bmv2-" + thrift + "-notifications.ipc"));
        ports.forEach((port, ifname) -> cmd.addAll(List.of("-i", port + "@" + ifname)));
        return cmd;
    }

    private static SimpleSwitch launch(List<String> cmd, int thrift, int grpc) {
        try {
            File log = File.createTempFile("tcp-bypass-lab-switch", ".log");
            log.deleteOnExit();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(log).start();
            SimpleSwitch sw = new SimpleSwitch(p, thrift, grpc, log);
            sw.await(thrift);
            if (grpc > 0) {
                sw.await(grpc);
            }
            return sw;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd.get(3), e);
        }
    }

    /** The log level switches start at: {@value #LOG_LEVEL_PROPERTY}, or {@value #DEFAULT_LOG_LEVEL}. */
    public static String logLevel() {
        return System.getProperty(LOG_LEVEL_PROPERTY, DEFAULT_LOG_LEVEL);
    }

    private void await(int port) {
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the switch exited " + process.exitValue() + "; see " + log);
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                sleep(100);
            }
        }
        close();
        throw new IllegalStateException("the switch did not answer on port " + port + " in " + START_TIMEOUT_MS
                                                + " ms; see " + log);
    }

    /** The thrift port simple_switch_CLI talks to. */
    public int thriftPort() {
        return thriftPort;
    }

    /** The P4Runtime server's port on 127.0.0.1, or -1 for simple_switch. */
    public int grpcPort() {
        return grpcPort;
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
