package org.tcpbypass.proxy;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import org.junit.Assume;
import org.tcpbypass.proxy.linux.Capabilities;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Network namespaces a test creates and always deletes: client (198.18.0.1), proxy (198.18.0.2 towards the
 * client, 198.18.1.2 towards the server) and server (198.18.1.3), joined by two veth pairs. Test code runs
 * in a namespace on threads that entered it with setns(2).
 */
public final class Netns implements AutoCloseable {
    static final String CLIENT_IP = "198.18.0.1";
    static final String PROXY_CLIENT_SIDE_IP = "198.18.0.2";
    static final String PROXY_SERVER_SIDE_IP = "198.18.1.2";
    static final String SERVER_IP = "198.18.1.3";

    final String client;
    public final String proxy;
    final String server;
    private final List<String> created = new ArrayList<>();

    private interface Sys extends Library {
        Sys INSTANCE = Native.load("c", Sys.class);

        int open(String path, int flags) throws LastErrorException;

        int setns(int fd, int nstype) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    /** Skips the test unless root with ip and nft on PATH. */
    public static void assumeAvailable() throws IOException {
        Assume.assumeTrue("needs CAP_NET_ADMIN (run as root, as CI does)",
                          Capabilities.effective(Capabilities.NET_ADMIN));
        Assume.assumeTrue("needs the ip command (iproute2)", Capabilities.onPath("ip") != null);
        Assume.assumeTrue("needs the nft command (Debian package nftables)", Capabilities.onPath("nft") != null);
    }

    public Netns() throws IOException {
        String prefix = "tbp" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x10000, 0xfffff));
        client = prefix + "-c";
        proxy = prefix + "-p";
        server = prefix + "-s";
        try {
            for (String ns : List.of(client, proxy, server)) {
                run("ip", "netns", "add", ns);
                created.add(ns);
                run("ip", "-n", ns, "link", "set", "lo", "up");
            }
            run("ip", "-n", client, "link", "add", "c0", "type", "veth", "peer", "name", "p0", "netns", proxy);
            run("ip", "-n", proxy, "link", "add", "p1", "type", "veth", "peer", "name", "s0", "netns", server);
            address(client, "c0", CLIENT_IP + "/24");
            address(proxy, "p0", PROXY_CLIENT_SIDE_IP + "/24");
            address(proxy, "p1", PROXY_SERVER_SIDE_IP + "/24");
            address(server, "s0", SERVER_IP + "/24");
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private void address(String ns, String dev, String cidr) throws IOException {
        run("ip", "-n", ns, "addr", "add", cidr, "dev", dev);
        run("ip", "-n", ns, "link", "set", dev, "up");
    }

    /** Runs a command and fails with its output when it fails. */
    static String run(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** Whether this kernel has sch_netem (tried on {@code ns}'s loopback, left as it was). */
    static boolean hasNetem(String ns) {
        try {
            exec(ns, "tc", "qdisc", "add", "dev", "lo", "root", "handle", "1:", "netem", "delay", "1ms");
        } catch (IOException e) {
            return false;
        }
        try {
            exec(ns, "tc", "qdisc", "del", "dev", "lo", "root");
        } catch (IOException e) {
            throw new IllegalStateException("cannot remove the netem probe from " + ns, e);
        }
        return true;
    }

    /** Runs a command inside {@code ns}. */
    public static String exec(String ns, String... command) throws IOException {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(command));
        return run(c.toArray(new String[0]));
    }

    /** What {@code nft list set} shows of {@code set} in {@code table} (family inet) in the proxy's namespace. */
    public String nftSet(String table, String set) throws IOException {
        return exec(proxy, "nft", "list", "set", "inet", table, set);
    }

    /**
     * In the proxy's namespace, a table (family inet) of its own whose input chain drops the segments {@code match}
     * selects, until the table is deleted.
     */
    public void dropInput(String table, String match) throws IOException {
        exec(proxy, "nft", "add table inet " + table);
        exec(proxy, "nft", "add chain inet " + table + " input { type filter hook input priority 0; }");
        exec(proxy, "nft", "add rule inet " + table + " input " + match + " drop");
    }

    /** Moves the calling thread into {@code ns}. */
    static void enter(String ns) {
        int fd = Sys.INSTANCE.open("/var/run/netns/" + ns, 0);
        try {
            Sys.INSTANCE.setns(fd, 0x40000000);
        } finally {
            Sys.INSTANCE.close(fd);
        }
    }

    /** Runs {@code task} on a new thread inside {@code ns}. */
    public static <T> T in(String ns, Callable<T> task) throws Exception {
        ExecutorService e = executor(ns);
        try {
            return e.submit(task).get(60, TimeUnit.SECONDS);
        } finally {
            e.shutdownNow();
        }
    }

    /** An executor whose threads live in {@code ns}. */
    static ExecutorService executor(String ns) {
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(() -> {
                enter(ns);
                r.run();
            }, "in-" + ns);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void close() {
        for (String ns : created) {
            try {
                run("ip", "netns", "del", ns);
            } catch (IOException e) {
                System.err.println("cannot delete namespace " + ns + ": " + e.getMessage());
            }
        }
        created.clear();
    }
}
