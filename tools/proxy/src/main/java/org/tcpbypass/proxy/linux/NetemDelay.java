package org.tcpbypass.proxy.linux;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@link FlowDelay} in the kernel's netem, for kernels that have it. No interface's root qdisc is touched: a held
 * flow's segments are redirected at the ingress hook of the interface they arrive on (a clsact qdisc, created if
 * the interface has neither clsact nor ingress, or the one it has) to the proxy's own IFB device. There an HTB class
 * of the flow's own keeps them in a netem qdisc for the flow's delay, then the IFB hands them back to the stack as
 * if just received. HTB only classifies (its classes' rate is far above any link), and what no filter classifies
 * leaves at once through its direct queue. netem is given a rate, so each segment is scheduled after the one before
 * it: a falling delay never reorders a flow. The proxy's ingress filters all have one preference, so a crashed
 * proxy's are found and removed at the next start. Filters match IPv4 without options (u32 at fixed offsets); a
 * segment with IP options passes unheld.
 */
public final class NetemDelay implements FlowDelay {
    /** netem's queue: 1 s at 100k packets/s, as the netfilter queue. */
    static final int LIMIT = 100_000;
    private static final List<String> TC = List.of("tc", "-batch", "-");
    private static final List<String> IP = List.of("ip", "-batch", "-");
    /** u32 node ids are 12 bits; 1 is the probe's class and 0 is invalid. */
    private static final int MAX_FLOWS = 0xfff;
    // An explicit burst: tc's default for 100gbit overflows to 0 bytes, which leaves the class always over its limit.
    private static final String CLASS = "htb rate 100gbit ceil 100gbit burst 1mb cburst 1mb quantum 200000";
    private static final Pattern DEV = Pattern.compile("\\bdev (\\S+)");
    private static final Pattern HOOK = Pattern.compile("qdisc (?:clsact|ingress) ffff: dev (\\S+)");
    /** {@code tc qdisc show dev X} leaves the device out. */
    private static final Pattern DEV_HOOK = Pattern.compile("^qdisc (?:clsact|ingress) ffff: ", Pattern.MULTILINE);
    private static final Pattern QLEN = Pattern.compile("\"qlen\":(\\d+)");
    private static final long POLL_MILLIS = 2;

    private final String ifb;
    private final int pref;
    private final LongFunction<String> leaf;
    private final Map<ByteBuffer, Flow> flows = new ConcurrentHashMap<>();
    private final BitSet ids = new BitSet();
    /** The interfaces whose ingress hook has the proxy's filters: whether the proxy created their clsact. */
    private final Map<String, Boolean> hooks = new HashMap<>();
    /** Per interface, the proxy's redirects there (guarded by {@link #hooks}). */
    private final Map<String, Integer> redirects = new HashMap<>();

    /** One held flow: its class and filters' id, the interface it arrives on, its current delay. */
    private static final class Flow {
        final int id;
        final String dev;
        final String match;
        volatile long nanos;
        // The filters' full u32 handles: their hash table is the kernel's choice (one per preference and device).
        volatile String ifbHandle;
        volatile String ingressHandle;

        Flow(int id, String dev, String match, long nanos) {
            this.id = id;
            this.dev = dev;
            this.match = match;
            this.nanos = nanos;
        }
    }

    private NetemDelay(String ifb, int pref, LongFunction<String> leaf) {
        this.ifb = ifb;
        this.pref = pref;
        this.leaf = leaf;
    }

    /** netem holding for {@code nanos}, in order, up to {@link #LIMIT} packets. */
    static String netem(long nanos) {
        return "netem delay " + TimeUnit.NANOSECONDS.toMicros(nanos) + "us limit " + LIMIT + " rate 100gbit";
    }

    /**
     * Creates IFB device {@code ifb} (replacing a crashed proxy's, whose ingress filters at {@code pref} are
     * removed too) and checks that the kernel has netem.
     *
     * @throws IOException naming what the kernel lacks (no netem, no IFB, no HTB); then nothing is left installed
     */
    public static NetemDelay install(String ifb, int pref) throws IOException {
        return install(ifb, pref, NetemDelay::netem);
    }

    /** {@link #install} with the flows' leaf qdisc made by {@code leaf} from their delay. */
    static NetemDelay install(String ifb, int pref, LongFunction<String> leaf) throws IOException {
        NetemDelay d = new NetemDelay(ifb, pref, leaf);
        d.removeLeftovers();
        try {
            // Its queue length is HTB's direct queue (what no filter classifies): room for a burst, not IFB's 32.
            // No IPv6 link-local address: the IFB would send its own router solicitations through its qdisc.
            boolean ipv6 = Files.isDirectory(Path.of("/proc/sys/net/ipv6"));
            Commands.run(IP, "link add " + ifb + " txqueuelen 1000 type ifb\n"
                    + (ipv6 ? "link set " + ifb + " addrgenmode none\n" : "") + "link set " + ifb + " up\n");
        } catch (IOException e) {
            throw new IOException("rttRamp needs an IFB device (kernel CONFIG_IFB): " + e.getMessage(), e);
        }
        try {
            Commands.run(TC, "qdisc add dev " + ifb + " root handle 1: htb\n"
                    + "class add dev " + ifb + " parent 1: classid 1:1 " + CLASS + "\n"
                    + "qdisc add dev " + ifb + " parent 1:1 handle 1001: " + leaf.apply(0) + "\n"
                    + "class del dev " + ifb + " classid 1:1\n");
        } catch (IOException e) {
            Commands.run(IP, "link del " + ifb + "\n");
            throw new IOException("rttRamp's netem path needs sch_htb and sch_netem: " + e.getMessage(), e);
        }
        return d;
    }

    /** Deletes a crashed proxy's IFB and its ingress filters at this preference. */
    private void removeLeftovers() throws IOException {
        StringBuilder filters = new StringBuilder();
        Matcher m = HOOK.matcher(Commands.output(TC, "qdisc show\n"));
        while (m.find()) {
            String dev = m.group(1);
            if (!Commands.output(TC, "filter show dev " + dev + " ingress pref " + pref + "\n").isEmpty()) {
                filters.append("filter del dev ").append(dev).append(" ingress pref ").append(pref).append('\n');
            }
        }
        if (filters.length() > 0) {
            Commands.run(TC, filters.toString());
        }
        if (Commands.output(IP, "link show\n").contains(" " + ifb + ":")) {
            Commands.run(IP, "link del " + ifb + "\n");
        }
    }

    @Override
    public String describe() {
        return "netem on IFB " + ifb + " (ingress filters at preference " + pref + ")";
    }

    @Override
    public void delay(InetSocketAddress from, InetSocketAddress to, long nanos) throws IOException {
        ByteBuffer key = ByteBuffer.wrap(Netlink.flowKey(from, to));
        Flow f = flows.get(key);
        if (f != null) {
            Commands.run(TC, "qdisc change dev " + ifb + " parent " + classId(f.id) + " handle " + hex(f.id) + ": "
                    + leaf.apply(nanos) + "\n");
            f.nanos = nanos;
            return;
        }
        String dev = ingressDevice(from.getAddress());
        int id = allocate();
        String match = "u32 match ip protocol 6 0xff match ip src " + from.getAddress().getHostAddress()
                + "/32 match ip dst " + to.getAddress().getHostAddress() + "/32 match ip sport " + from.getPort()
                + " 0xffff match ip dport " + to.getPort() + " 0xffff";
        f = new Flow(id, dev, match, nanos);
        // Under the hooks' lock: the last redirect of a device takes its preference with it (see removeRedirect).
        synchronized (hooks) {
            hook(dev);
            try {
                // Class and classifier before the redirect: nothing reaches the IFB before it can be held.
                Commands.run(TC, "class add dev " + ifb + " parent 1: classid " + classId(id) + " " + CLASS + "\n"
                        + "qdisc add dev " + ifb + " parent " + classId(id) + " handle " + hex(id) + ": "
                        + leaf.apply(nanos) + "\n"
                        + "filter add dev " + ifb + " parent 1: pref 1 protocol ip handle " + node(id) + " " + match
                        + " flowid " + classId(id) + "\n"
                        + "filter add dev " + dev + " ingress pref " + pref + " protocol ip handle " + node(id) + " "
                        + match + " action mirred egress redirect dev " + ifb + "\n");
                findHandles(f);
                if (f.ifbHandle == null || f.ingressHandle == null) {
                    throw new IOException("the filters of flow " + from + " -> " + to + " are not listed");
                }
            } catch (IOException e) {
                removeQuietly(f);
                throw e;
            }
            redirects.merge(dev, 1, Integer::sum);
        }
        flows.put(key, f);
    }

    /**
     * Deletes the flow's redirect; the device's last one deletes the proxy's whole preference there, whose empty hash
     * table would otherwise stay (u32 keeps it while another preference of the device also uses u32).
     */
    private void removeRedirect(Flow f) throws IOException {
        synchronized (hooks) {
            int left = redirects.merge(f.dev, -1, Integer::sum);
            if (left > 0) {
                Commands.run(TC, "filter del dev " + f.dev + " ingress pref " + pref + " protocol ip handle "
                        + f.ingressHandle + " u32\n");
            } else {
                redirects.remove(f.dev);
                Commands.run(TC, "filter del dev " + f.dev + " ingress pref " + pref + "\n");
            }
        }
    }

    @Override
    public boolean release(InetSocketAddress from, InetSocketAddress to, long timeoutNanos)
            throws IOException, InterruptedException {
        Flow f = flows.remove(ByteBuffer.wrap(Netlink.flowKey(from, to)));
        if (f == null) {
            return true;
        }
        long deadline = System.nanoTime() + timeoutNanos;
        // Delay 0 behind the held segments; once they left, the redirect goes, then the empty class.
        Commands.run(TC, "qdisc change dev " + ifb + " parent " + classId(f.id) + " handle " + hex(f.id) + ": "
                + leaf.apply(0) + "\n");
        TimeUnit.NANOSECONDS.sleep(Math.min(f.nanos, timeoutNanos));
        boolean left = drained(f, deadline);
        removeRedirect(f);
        if (!(drained(f, deadline) && left)) {
            // Deleting the class would drop what it holds; it goes with the IFB at uninstall.
            return false;
        }
        Commands.run(TC, "filter del dev " + ifb + " parent 1: pref 1 protocol ip handle " + f.ifbHandle + " u32\n"
                + "class del dev " + ifb + " classid " + classId(f.id) + "\n");
        free(f.id);
        return true;
    }

    /**
     * Removes the redirects first, waits until the IFB holds nothing (at most the longest delay and a second),
     * then deletes the IFB and the clsact qdiscs the proxy created.
     */
    @Override
    public void uninstall() throws IOException {
        long longest = 0;
        for (Flow f : flows.values()) {
            longest = Math.max(longest, f.nanos);
        }
        flows.clear();
        StringBuilder filters = new StringBuilder();
        synchronized (hooks) {
            for (String dev : redirects.keySet()) {
                filters.append("filter del dev ").append(dev).append(" ingress pref ").append(pref).append('\n');
            }
            redirects.clear();
        }
        try {
            if (filters.length() > 0) {
                Commands.run(TC, filters.toString());
            }
            long deadline = System.nanoTime() + longest + TimeUnit.SECONDS.toNanos(1);
            while (queued("qdisc show dev " + ifb + " root") > 0 && System.nanoTime() - deadline < 0) {
                TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            Commands.run(IP, "link del " + ifb + "\n");
            StringBuilder clsacts = new StringBuilder();
            synchronized (hooks) {
                for (Map.Entry<String, Boolean> h : hooks.entrySet()) {
                    if (h.getValue() && Commands.output(TC, "filter show dev " + h.getKey() + " ingress\n").isEmpty()) {
                        clsacts.append("qdisc del dev ").append(h.getKey()).append(" clsact\n");
                    }
                }
                hooks.clear();
            }
            if (clsacts.length() > 0) {
                Commands.run(TC, clsacts.toString());
            }
        }
    }

    /** Waits until the flow's class holds nothing or the deadline passes; returns whether it is empty. */
    private boolean drained(Flow f, long deadline) throws IOException, InterruptedException {
        String show = "qdisc show dev " + ifb + " parent " + classId(f.id);
        while (queued(show) > 0) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
        }
        return true;
    }

    /** The packets held by the qdiscs {@code show} lists. */
    private static int queued(String show) throws IOException {
        Matcher m = QLEN.matcher(Commands.output(List.of("tc", "-j", "-s", "-batch", "-"), show + "\n"));
        int total = 0;
        while (m.find()) {
            total += Integer.parseInt(m.group(1));
        }
        return total;
    }

    /** The interface segments from {@code peer} arrive on: the one the route back to it leaves by. */
    private static String ingressDevice(InetAddress peer) throws IOException {
        String route = Commands.output(List.of("ip", "-o", "route", "get", peer.getHostAddress()), "");
        Matcher m = DEV.matcher(route);
        if (!m.find()) {
            throw new IOException("no interface towards " + peer.getHostAddress() + ": " + route);
        }
        return m.group(1);
    }

    /** Gives {@code dev} an ingress hook for filters: its clsact or ingress qdisc, or a clsact of the proxy's. */
    private void hook(String dev) throws IOException {
        synchronized (hooks) {
            if (hooks.containsKey(dev)) {
                return;
            }
            boolean has = DEV_HOOK.matcher(Commands.output(TC, "qdisc show dev " + dev + "\n")).find();
            if (!has) {
                Commands.run(TC, "qdisc add dev " + dev + " clsact\n");
            }
            hooks.put(dev, !has);
        }
    }

    private int allocate() throws IOException {
        synchronized (ids) {
            int id = ids.nextClearBit(2);
            if (id > MAX_FLOWS) {
                throw new IOException("the netem ramp holds " + (MAX_FLOWS - 1) + " flows already");
            }
            ids.set(id);
            return id;
        }
    }

    private void free(int id) {
        synchronized (ids) {
            ids.clear(id);
        }
    }

    /** Reads the full handles the kernel gave the flow's two filters (null for one not there). */
    private void findHandles(Flow f) throws IOException {
        Matcher m = Pattern.compile("\\bfh ([0-9a-f]+::" + hex(f.id) + ") ").matcher(Commands.output(TC,
                "filter show dev " + ifb + " parent 1: pref 1\nfilter show dev " + f.dev + " ingress pref " + pref
                        + "\n"));
        // tc lists the IFB's filters first.
        f.ifbHandle = m.find() ? m.group(1) : null;
        f.ingressHandle = m.find() ? m.group(1) : null;
    }

    /** Undoes a flow's partly made class and filters; errors are expected for the parts never made. */
    private void removeQuietly(Flow f) {
        try {
            findHandles(f);
        } catch (IOException e) {
            // Then neither filter can be named; the class goes anyway and an orphan redirect leaves unclassified.
        }
        List<String> undo = new ArrayList<>();
        // Called under the hooks' lock: with no other redirect on the device the whole preference goes.
        if (!redirects.containsKey(f.dev)) {
            undo.add("filter del dev " + f.dev + " ingress pref " + pref);
        } else if (f.ingressHandle != null) {
            undo.add("filter del dev " + f.dev + " ingress pref " + pref + " protocol ip handle " + f.ingressHandle
                             + " u32");
        }
        if (f.ifbHandle != null) {
            undo.add("filter del dev " + ifb + " parent 1: pref 1 protocol ip handle " + f.ifbHandle + " u32");
        }
        undo.add("class del dev " + ifb + " classid " + classId(f.id));
        for (String command : undo) {
            try {
                Commands.run(TC, command + "\n");
            } catch (IOException e) {
                // Not made: nothing to undo.
            }
        }
        free(f.id);
    }

    private static String classId(int id) {
        return "1:" + hex(id);
    }

    /** A u32 handle naming the node only: the kernel puts it into the preference's own hash table. */
    private static String node(int id) {
        return "::" + hex(id);
    }

    private static String hex(int id) {
        return Integer.toHexString(id);
    }
}
