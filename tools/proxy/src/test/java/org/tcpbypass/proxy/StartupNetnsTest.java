package org.tcpbypass.proxy;

import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.tcpbypass.proxy.linux.Capabilities;
import org.tcpbypass.proxy.linux.PacketQueue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

/** Start-up failures as a user meets them: a clear error, a non-zero exit, nothing left behind. */
public class StartupNetnsTest {
    @Rule
    public TemporaryFolder tmp = new TemporaryFolder();

    @BeforeClass
    public static void namespaces() throws IOException {
        Netns.assumeAvailable();
    }

    private static final String[] OFFLOAD = {"--name", "proxy1", "--device-id", "device:bmv2:s1",
        "--controller-url", "http://127.0.0.1:1/onos/tcp-bypass", "--offload", "handshake", "--nft-table", "tbp_start"};

    @Test
    public void withoutCapNetAdminOffloadingRefusesToStart() throws Exception {
        assumeTrue("needs setpriv (util-linux)", Capabilities.onPath("setpriv") != null);
        try (Netns n = new Netns()) {
            List<String> prefix = List.of("ip", "netns", "exec", n.proxy, "setpriv", "--inh-caps=-net_admin",
                                          "--bounding-set=-net_admin", "--");
            List<String> args = new java.util.ArrayList<>(List.of("--listen", "198.18.0.2:8000", "--backend",
                                                                  "198.18.1.3:9000"));
            args.addAll(List.of(OFFLOAD));
            try (ProxyProcess p = new ProxyProcess(prefix, args)) {
                assertEquals(Main.EXIT_ENVIRONMENT, p.exitStatus());
                assertThat(p.output(), containsString("offloading needs CAP_NET_ADMIN"));
                assertFalse(p.listening());
                assertEquals("", Netns.exec(n.proxy, "nft", "list", "tables").trim());
                assertTrue8000Free(n);
            }
        }
    }

    @Test
    public void aListenerThatCannotBindUndoesEverything() throws Exception {
        Path config = tmp.newFile("proxy.json").toPath();
        Files.writeString(config, "{\"listeners\": ["
                + "{\"listen\": \"198.18.0.2:8000\", \"backends\": [\"198.18.1.3:9000\"]},"
                + "{\"listen\": \"198.18.0.2:8001\", \"backends\": [\"198.18.1.3:9000\"]}]}");
        try (Netns n = new Netns();
             ServerSocket taken = Netns.in(n.proxy, () -> new ServerSocket(8001, 1,
                     InetAddress.getByName(Netns.PROXY_CLIENT_SIDE_IP)))) {
            List<String> args = new java.util.ArrayList<>(List.of("--config", config.toString()));
            args.addAll(List.of(OFFLOAD));
            try (ProxyProcess p = ProxyProcess.inNamespace(n.proxy, args.toArray(new String[0]))) {
                assertEquals(Main.EXIT_START, p.exitStatus());
                assertThat(p.output(), containsString("cannot listen on /198.18.0.2:8001"));
                assertFalse(p.listening());
                assertEquals("", Netns.exec(n.proxy, "nft", "list", "tables").trim());
                assertTrue8000Free(n);
            }
        }
    }

    @Test
    public void badValueExitsWithStatus2() throws Exception {
        try (Netns n = new Netns()) {
            try (ProxyProcess p = ProxyProcess.inNamespace(n.proxy, "--listen", "198.18.0.2:8000", "--backend",
                                                          "198.18.1.3:9000", "--threads", "-1")) {
                assertEquals(Main.EXIT_CONFIG, p.exitStatus());
                assertThat(p.output(), containsString("threads: -1 is outside 1..256"));
                assertTrue8000Free(n);
            }
        }
    }

    @Test
    public void anOffloadingProxyRunsItsPauseWorkersAtTheHandOffsNiceValueAndLowersNoThread() throws Exception {
        assumeTrue("needs CAP_SYS_NICE", Capabilities.effective(Capabilities.SYS_NICE));
        try (Netns n = new Netns()) {
            List<String> args = new java.util.ArrayList<>(List.of("--listen", "198.18.0.2:8000", "--backend",
                                                                  "198.18.1.3:9000", "--handoff-niceness", "-7"));
            args.addAll(List.of(OFFLOAD));
            try (ProxyProcess p = ProxyProcess.inNamespace(n.proxy, args.toArray(new String[0]))) {
                assertTrue(p.output(), p.listening());
                long end = System.nanoTime() + 5_000_000_000L;
                List<Integer> workers = pauseWorkerNiceness(p);
                while (!workers.stream().allMatch(v -> v == -7) && System.nanoTime() < end) {
                    Thread.sleep(20);
                    workers = pauseWorkerNiceness(p);
                }
                assertTrue("the VM thread and GC workers: " + workers, workers.size() >= 2);
                assertEquals(Collections.nCopies(workers.size(), -7), workers);
                int process = p.threadNiceness("java").get(0);
                // A safepoint waits for every Java thread, compilers included: none may run below the hand-offs.
                for (String other : List.of("relay-", "C1 CompilerThre", "C2 CompilerThre")) {
                    assertEquals(other + " as the process", List.of(process), p.threadNiceness(other).stream()
                            .distinct().collect(Collectors.toList()));
                }
            }
        }
    }

    private static List<Integer> pauseWorkerNiceness(ProxyProcess p) throws IOException {
        List<Integer> values = new java.util.ArrayList<>(p.threadNiceness("VM Thread"));
        values.addAll(p.threadNiceness("GC Thread#"));
        return values;
    }

    @Test
    public void theQueueRampTouchesNoQdiscAndLeavesNothingBehind() throws Exception {
        try (Netns n = new Netns()) {
            String qdiscs = Netns.exec(n.proxy, "tc", "qdisc", "show");
            List<String> args = new java.util.ArrayList<>(List.of("--listen", "198.18.0.2:8000", "--backend",
                    "198.18.1.3:9000", "--rtt-ramp", "true", "--rtt-ramp-mechanism", "queue"));
            args.addAll(List.of(OFFLOAD));
            try (ProxyProcess p = ProxyProcess.inNamespace(n.proxy, args.toArray(new String[0]))) {
                assertTrue(p.output(), p.listening());
                assertThat(p.output(), containsString("RTT ramp holds segments in netfilter queue 7301 (nftables"
                                                              + " table ip tbp_start_ramp)"));
                assertThat(Netns.exec(n.proxy, "nft", "list", "table", "ip", "tbp_start_ramp"),
                           containsString("queue num 7301 bypass"));
                assertThat(Netns.exec(n.proxy, "cat", "/proc/net/netfilter/nfnetlink_queue"),
                           containsString("7301"));
                assertEquals(qdiscs, Netns.exec(n.proxy, "tc", "qdisc", "show"));
                p.close();
                assertEquals(qdiscs, Netns.exec(n.proxy, "tc", "qdisc", "show"));
                assertEquals("", Netns.exec(n.proxy, "nft", "list", "tables").trim());
                assertEquals("", Netns.exec(n.proxy, "cat", "/proc/net/netfilter/nfnetlink_queue").trim());
            }
        }
    }

    @Test
    public void theDefaultRampUsesNetemWhereTheKernelHasItElseTheQueue() throws Exception {
        try (Netns n = new Netns()) {
            boolean netem = Netns.hasNetem(n.proxy);
            String qdiscs = Netns.exec(n.proxy, "tc", "qdisc", "show");
            try (ProxyProcess p = ProxyProcess.inNamespace(n.proxy, concat(List.of("--listen", "198.18.0.2:8000",
                        "--backend", "198.18.1.3:9000", "--rtt-ramp", "true")))) {
                assertTrue(p.output(), p.listening());
                if (netem) {
                    assertThat(p.output(), containsString("RTT ramp holds segments in netem on IFB tbp-ramp (ingress"
                                                                  + " filters at preference 49301)"));
                    assertEquals("the interfaces' qdiscs are as before", qdiscs, Netns.exec(n.proxy, "tc", "qdisc",
                            "show").replaceAll("(?m)^qdisc \\S+ \\S+ dev tbp-ramp .*\n", ""));
                } else {
                    assertThat(p.output(), containsString("RTT ramp holds segments in netfilter queue 7301"));
                    assertEquals(qdiscs, Netns.exec(n.proxy, "tc", "qdisc", "show"));
                }
                p.close();
                assertEquals(qdiscs, Netns.exec(n.proxy, "tc", "qdisc", "show"));
                assertThat(Netns.exec(n.proxy, "ip", "link", "show"), not(containsString("tbp-ramp")));
                assertEquals("", Netns.exec(n.proxy, "nft", "list", "tables").trim());
            }
        }
    }

    @Test
    public void aNetemRampWithoutNetemIsAClearErrorAndChangesNothing() throws Exception {
        try (Netns n = new Netns()) {
            Assume.assumeFalse("this kernel has netem", Netns.hasNetem(n.proxy));
            String qdiscs = Netns.exec(n.proxy, "tc", "qdisc", "show");
            try (ProxyProcess p = ProxyProcess.inNamespace(n.proxy, concat(List.of("--listen", "198.18.0.2:8000",
                        "--backend", "198.18.1.3:9000", "--rtt-ramp", "true", "--rtt-ramp-mechanism", "netem")))) {
                assertEquals(Main.EXIT_ENVIRONMENT, p.exitStatus());
                assertThat(p.output(), containsString("rttRamp's netem path needs sch_htb and sch_netem"));
                assertEquals(qdiscs, Netns.exec(n.proxy, "tc", "qdisc", "show"));
                assertThat(Netns.exec(n.proxy, "ip", "link", "show"), not(containsString("tbp-ramp")));
                assertEquals("", Netns.exec(n.proxy, "nft", "list", "tables").trim());
                assertTrue8000Free(n);
            }
        }
    }

    @Test
    public void withTheRampOffNoQueueNoRampTableNoQdisc() throws Exception {
        try (Netns n = new Netns()) {
            String qdiscs = Netns.exec(n.proxy, "tc", "qdisc", "show");
            try (ProxyProcess p = ProxyProcess.inNamespace(n.proxy, concat(List.of("--listen", "198.18.0.2:8000",
                                                                                   "--backend", "198.18.1.3:9000")))) {
                assertTrue(p.output(), p.listening());
                assertEquals("table inet tbp_start", Netns.exec(n.proxy, "nft", "list", "tables").trim());
                assertEquals("", Netns.exec(n.proxy, "cat", "/proc/net/netfilter/nfnetlink_queue").trim());
                assertEquals(qdiscs, Netns.exec(n.proxy, "tc", "qdisc", "show"));
                assertThat(Netns.exec(n.proxy, "ip", "link", "show"), not(containsString("tbp-ramp")));
                p.close();
                assertEquals("", Netns.exec(n.proxy, "nft", "list", "tables").trim());
            }
        }
    }

    @Test
    public void aBadRampValueChangesNothing() throws Exception {
        try (Netns n = new Netns()) {
            try (ProxyProcess p = ProxyProcess.inNamespace(n.proxy, concat(List.of("--listen", "198.18.0.2:8000",
                        "--backend", "198.18.1.3:9000", "--rtt-ramp", "true", "--rtt-ramp-step", "50",
                        "--rtt-ramp-max", "40")))) {
                assertEquals(Main.EXIT_CONFIG, p.exitStatus());
                assertThat(p.output(), containsString("rttRamp.stepMillis: 50 exceeds rttRamp.maxMillis 40"));
                assertEquals("", Netns.exec(n.proxy, "nft", "list", "tables").trim());
                assertTrue8000Free(n);
            }
        }
    }

    @Test
    public void aQueueHeldByAnotherProcessIsAClearErrorAndChangesNothing() throws Exception {
        try (Netns n = new Netns();
             PacketQueue taken = Netns.in(n.proxy, () -> new PacketQueue(7301, 10))) {
            try (ProxyProcess p = ProxyProcess.inNamespace(n.proxy, concat(List.of("--listen", "198.18.0.2:8000",
                        "--backend", "198.18.1.3:9000", "--rtt-ramp", "true")))) {
                assertEquals(Main.EXIT_ENVIRONMENT, p.exitStatus());
                assertThat(p.output(), containsString("cannot bind netfilter queue 7301 (errno 1: another process holds"
                                                              + " it)"));
                assertEquals("", Netns.exec(n.proxy, "nft", "list", "tables").trim());
                assertTrue8000Free(n);
            }
        }
    }

    private static String[] concat(List<String> args) {
        List<String> all = new java.util.ArrayList<>(args);
        all.addAll(List.of(OFFLOAD));
        return all.toArray(new String[0]);
    }

    private static void assertTrue8000Free(Netns n) throws Exception {
        Netns.in(n.proxy, () -> {
            new ServerSocket(8000, 1, InetAddress.getByName(Netns.PROXY_CLIENT_SIDE_IP)).close();
            return null;
        });
    }
}
