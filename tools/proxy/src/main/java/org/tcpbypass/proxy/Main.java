package org.tcpbypass.proxy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.tcpbypass.proxy.linux.Capabilities;
import org.tcpbypass.proxy.linux.HandoffFilter;
import org.tcpbypass.proxy.linux.TcpSocket;
import org.tcpbypass.proxy.offload.ConnectionReporter;
import org.tcpbypass.proxy.offload.OffloadClient;
import org.tcpbypass.proxy.offload.Offloader;
import org.tcpbypass.proxy.offload.RttRamp;
import org.tcpbypass.proxy.relay.RelayServer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Command line: {@code tcp-bypass-proxy [--config FILE] [flags]} (README.md). */
public final class Main {
    /** Held so the level set on it is not lost: JUL keeps loggers only weakly. */
    private static final Logger PROJECT_LOG = Logger.getLogger("org.tcpbypass");
    /** The RTT ramp's nftables table is the hand-off table's name with this suffix. */
    static final String RAMP_TABLE_SUFFIX = "_ramp";
    /** Exit status for a bad flag or configuration value. */
    public static final int EXIT_CONFIG = 2;
    /** Exit status for a missing capability, tool or JVM flag. */
    public static final int EXIT_ENVIRONMENT = 3;
    /** Exit status for a failure while starting (e.g. a listener cannot bind). */
    public static final int EXIT_START = 1;

    private static final Map<String, String> FLAGS = new LinkedHashMap<>();

    static {
        FLAGS.put("--name", "name");
        FLAGS.put("--device-id", "deviceId");
        FLAGS.put("--threads", "threads");
        FLAGS.put("--buffer-bytes", "bufferBytes");
        FLAGS.put("--relay", "relay");
        FLAGS.put("--metrics-interval", "metricsIntervalSeconds");
        FLAGS.put("--nft-table", "nftTable");
        FLAGS.put("--controller-url", "controller.url");
        FLAGS.put("--controller-user", "controller.user");
        FLAGS.put("--controller-password-file", "controller.passwordFile");
        FLAGS.put("--controller-ca-file", "controller.caFile");
        FLAGS.put("--request-timeout", "controller.requestTimeoutMillis");
        FLAGS.put("--offload-timeout", "controller.offloadTimeoutMillis");
        FLAGS.put("--report-interval", "controller.reportIntervalMillis");
        FLAGS.put("--drain-timeout", "handoff.drainTimeoutMillis");
        FLAGS.put("--probe-timeout", "handoff.probeTimeoutMillis");
        FLAGS.put("--max-handoffs", "handoff.maxConcurrent");
        FLAGS.put("--resume-spacing", "handoff.resumeSpacingMillis");
        FLAGS.put("--reservation-sweep", "handoff.reservationSweepSeconds");
        FLAGS.put("--handoff-niceness", "handoff.niceness");
        FLAGS.put("--rtt-ramp", "rttRamp.enabled");
        FLAGS.put("--rtt-ramp-step", "rttRamp.stepMillis");
        FLAGS.put("--rtt-ramp-interval", "rttRamp.intervalMillis");
        FLAGS.put("--rtt-ramp-dwell", "rttRamp.dwellMillis");
        FLAGS.put("--rtt-ramp-max", "rttRamp.maxMillis");
        FLAGS.put("--rtt-ramp-queue", "rttRamp.queue");
        FLAGS.put("--rtt-ramp-mechanism", "rttRamp.mechanism");
        FLAGS.put("--rtt-ramp-ifb", "rttRamp.ifb");
        FLAGS.put("--rtt-ramp-preference", "rttRamp.preference");
    }

    private static final String USAGE = String.join("\n",
            "Usage: tcp-bypass-proxy [--config FILE] [flags]",
            "Relays TCP connections and hands established ones to a P4 switch through the tcp-bypass app.",
            "Flags override the JSON configuration file (format: tools/proxy/README.md).",
            "",
            "  --config FILE             JSON configuration file",
            "  --listen IP:PORT          listen here (with --backend: replaces the file's listeners)",
            "  --backend IP:PORT         backend for --listen (repeat for several)",
            "  --balance round-robin|first",
            "  --offload POLICY          never|handshake|first-exchange|bytes|tls, for every listener",
            "  --offload-bytes N         bytes relayed before the 'bytes' policy hands off",
            "  --name NAME               the proxy's name registered with the app",
            "  --device-id ID            the switch, e.g. device:bmv2:s1",
            "  --controller-url URL      base of the app's REST API, e.g. http://onos:8181/onos/tcp-bypass",
            "  --controller-user USER    HTTP basic user (default: none, no authentication)",
            "  --controller-password-file F  file holding that user's password (or set",
            "                            TCP_BYPASS_CONTROLLER_PASSWORD; never a flag)",
            "  --controller-ca-file F    PEM CA certificates for an https controller URL",
            "  --request-timeout MS      per REST request (default 2000)",
            "  --offload-timeout MS      decision to BYPASSED, else fall back (default 5000)",
            "  --report-interval MS      connection reports to the app, 0 = off (default 1000)",
            "  --drain-timeout MS        wait for both legs to drain (default 4000)",
            "  --probe-timeout MS        wait for the peers' answers to the probe (default 50)",
            "  --max-handoffs N          concurrent hand-offs (default 16)",
            "  --resume-spacing MS       between two hand-offs' resumptions, 0 = none (default 2)",
            "  --reservation-sweep S     how often handed-off ports are checked for release (default 30)",
            "  --handoff-niceness N      nice value of the hand-off threads and the JVM's pause workers, given",
            "                            CAP_SYS_NICE, -20..19 (default -10)",
            "  --rtt-ramp true|false     raise both senders' RTT in steps before a hand-off (default false)",
            "  --rtt-ramp-step MS        delay step (default 20)",
            "  --rtt-ramp-interval MS    time between steps (default 200)",
            "  --rtt-ramp-dwell MS       time at the target before the hand-off (default 11000, for BBR;",
            "                            1000 suffices for CUBIC)",
            "  --rtt-ramp-max MS         largest added delay (default 1000)",
            "  --rtt-ramp-mechanism M    auto|netem|queue: netem on an IFB, the proxy's delay line behind a",
            "                            netfilter queue, or netem where the kernel has it (default auto)",
            "  --rtt-ramp-queue N        netfilter queue number of the ramp's delay line (default 7301)",
            "  --rtt-ramp-ifb NAME       IFB device of the netem ramp (default tbp-ramp)",
            "  --rtt-ramp-preference N   preference of the netem ramp's ingress filters (default 49301)",
            "  --threads N               relay threads (default: number of cores)",
            "  --buffer-bytes N          relay buffer (or pipe) per direction (default 65536)",
            "  --relay splice|copy       move payload by splice(2) through a pipe, or copy it (default splice)",
            "  --metrics-interval S      metrics log line period, 0 = off (default 10)",
            "  --nft-table NAME          nftables table for the hand-off freeze (default tcpbypass)",
            "  --verbose                 log every hand-off's numbers",
            "  --help                    this text",
            "",
            "Offloading needs CAP_NET_ADMIN and CAP_NET_RAW (TCP_REPAIR, nftables, packet socket) and nft on PATH.",
            "");

    private Main() {
    }

    /** Runs the proxy until the JVM is stopped. */
    public static void main(String[] args) {
        // Times to the microsecond the clock gives (printed in nanoseconds): a hand-off's steps are placed against
        // packet arrivals at the endpoints, for which milliseconds are too coarse.
        System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tN %4$s %5$s%6$s%n");
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        ProxyConfig config;
        boolean verbose;
        try {
            List<String> list = List.of(args);
            if (list.contains("--help") || list.contains("-h")) {
                out.print(USAGE);
                return 0;
            }
            verbose = list.contains("--verbose");
            config = configure(args);
        } catch (ConfigException e) {
            err.println("tcp-bypass-proxy: " + e.getMessage());
            err.println("Try --help.");
            return EXIT_CONFIG;
        }
        try {
            checkEnvironment(config);
        } catch (IllegalStateException | IOException e) {
            err.println("tcp-bypass-proxy: " + e.getMessage());
            return EXIT_ENVIRONMENT;
        }
        Level level = verbose ? Level.FINE : Level.INFO;
        PROJECT_LOG.setLevel(level);
        // The root logger's console handler passes INFO and above unless told otherwise.
        for (Handler h : Logger.getLogger("").getHandlers()) {
            h.setLevel(level);
        }
        return serve(config, out, err);
    }

    /** Reads the configuration file named by --config, applies the other flags and validates the result. */
    static ProxyConfig configure(String[] args) throws ConfigException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        Map<String, String> flags = new LinkedHashMap<>();
        List<String> backends = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if ("--verbose".equals(a)) {
                continue;
            }
            String value;
            int eq = a.indexOf('=');
            String flag = eq > 0 ? a.substring(0, eq) : a;
            if (!flag.startsWith("--") || !FLAGS.containsKey(flag) && !List.of("--config", "--listen",
                    "--backend", "--balance", "--offload", "--offload-bytes").contains(flag)) {
                throw new ConfigException("unknown argument '" + a + "'");
            }
            if (eq > 0) {
                value = a.substring(eq + 1);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new ConfigException(flag + " needs a value");
            }
            if ("--backend".equals(flag)) {
                backends.add(value);
            } else if (flags.put(flag, value) != null) {
                throw new ConfigException(flag + " given twice");
            }
        }
        String file = flags.remove("--config");
        if (file != null) {
            JsonNode n;
            try {
                n = mapper.readTree(Files.readString(Paths.get(file)));
            } catch (NoSuchFileException e) {
                throw new ConfigException("--config: no such file: " + file);
            } catch (JsonProcessingException e) {
                throw new ConfigException(file + ": not valid JSON: " + e.getOriginalMessage() + " at line "
                                                  + e.getLocation().getLineNr() + ", column "
                                                  + e.getLocation().getColumnNr());
            } catch (IOException e) {
                throw new ConfigException("--config: cannot read " + file + ": " + e.getMessage());
            }
            if (!(n instanceof ObjectNode)) {
                throw new ConfigException(file + ": the configuration must be a JSON object");
            }
            root = (ObjectNode) n;
        }
        String listen = flags.remove("--listen");
        String balance = flags.remove("--balance");
        if (listen != null) {
            if (backends.isEmpty()) {
                throw new ConfigException("--listen needs at least one --backend");
            }
            ObjectNode l = root.putArray("listeners").addObject();
            l.put("listen", listen);
            ArrayNode b = l.putArray("backends");
            backends.forEach(b::add);
            if (balance != null) {
                l.put("balance", balance);
            }
        } else if (!backends.isEmpty() || balance != null) {
            throw new ConfigException("--backend and --balance need --listen");
        }
        String policy = flags.remove("--offload");
        String bytes = flags.remove("--offload-bytes");
        if (policy != null || bytes != null) {
            JsonNode ls = root.get("listeners");
            if (ls != null && ls.isArray()) {
                for (JsonNode l : ls) {
                    if (l instanceof ObjectNode) {
                        ObjectNode o = l.get("offload") instanceof ObjectNode
                                ? (ObjectNode) l.get("offload") : ((ObjectNode) l).putObject("offload");
                        if (policy != null) {
                            o.put("policy", policy);
                        }
                        if (bytes != null) {
                            o.put("bytes", bytes);
                        }
                    }
                }
            }
        }
        for (Map.Entry<String, String> f : flags.entrySet()) {
            ProxyConfig.put(root, FLAGS.get(f.getKey()), f.getValue());
        }
        return ProxyConfig.parse(root);
    }

    private static void checkEnvironment(ProxyConfig config) throws IOException {
        TcpSocket.checkAccess();
        if (!config.offloads()) {
            return;
        }
        if (!Capabilities.effective(Capabilities.NET_ADMIN)) {
            throw new IllegalStateException("offloading needs CAP_NET_ADMIN (TCP_REPAIR, nftables): run as root or "
                                                    + "grant it, or set every listener's offload policy to never");
        }
        if (!Capabilities.effective(Capabilities.NET_RAW)) {
            throw new IllegalStateException("offloading needs CAP_NET_RAW (packet socket for the peers' TSvals)");
        }
        if (Capabilities.onPath("nft") == null) {
            throw new IllegalStateException("offloading needs the nft command (Debian package nftables) on PATH");
        }
    }

    private static int serve(ProxyConfig config, PrintStream out, PrintStream err) {
        Metrics metrics = new Metrics();
        ProxyEvents events = new ProxyEvents(metrics);
        HandoffFilter freeze;
        try {
            freeze = config.offloads() ? new HandoffFilter(config.nftTable) : null;
        } catch (IOException e) {
            err.println("tcp-bypass-proxy: " + e.getMessage());
            return EXIT_ENVIRONMENT;
        }
        RttRamp ramp;
        RelayServer server;
        try {
            if (freeze != null) {
                freeze.install();
            }
            ramp = config.offloads() && config.rttRamp.enabled
                    ? RttRamp.install(config.rttRamp, config.nftTable + RAMP_TABLE_SUFFIX) : null;
            if (ramp != null) {
                out.println("tcp-bypass-proxy: RTT ramp holds segments in " + ramp.describe());
            }
        } catch (IOException e) {
            err.println("tcp-bypass-proxy: " + e.getMessage());
            uninstall(freeze, null);
            return EXIT_ENVIRONMENT;
        }
        OffloadClient controller;
        Offloader offloader;
        try {
            controller = config.controller.url == null ? null : new OffloadClient(config.controller);
            offloader = freeze == null ? null : new Offloader(config, controller, freeze, ramp, metrics);
        } catch (IOException e) {
            err.println("tcp-bypass-proxy: " + e.getMessage());
            uninstall(freeze, ramp);
            return EXIT_ENVIRONMENT;
        }
        try {
            server = new RelayServer(config, events, metrics);
        } catch (IOException e) {
            err.println("tcp-bypass-proxy: " + e.getMessage());
            if (offloader != null) {
                offloader.close();
            }
            uninstall(freeze, ramp);
            return EXIT_START;
        }
        ConnectionReporter reporter = controller == null || config.controller.reportIntervalMillis == 0 ? null
                : new ConnectionReporter(config.name, controller, config.controller.reportIntervalMillis);
        events.connect(reporter, offloader);
        if (offloader != null) {
            controller.warmUp();
        }
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "metrics");
            t.setDaemon(true);
            return t;
        });
        Logger log = Logger.getLogger(Main.class.getName());
        if (config.metricsIntervalSeconds > 0) {
            ticker.scheduleAtFixedRate(() -> log.info(metrics.line()), config.metricsIntervalSeconds,
                                       config.metricsIntervalSeconds, TimeUnit.SECONDS);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ticker.shutdownNow();
            server.close();
            if (offloader != null) {
                offloader.close();
            }
            if (reporter != null) {
                reporter.close();
            }
            uninstall(freeze, ramp);
            // JUL's own shutdown hook may already have closed its handlers.
            out.println("tcp-bypass-proxy: stopped; " + metrics.line());
            out.flush();
            stopped.countDown();
        }, "shutdown"));
        for (ProxyConfig.Listener l : config.listeners) {
            out.println("tcp-bypass-proxy: listening on " + l.listen + " -> " + l.backends + ", offload "
                                + l.offload.text());
        }
        out.flush();
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static void uninstall(HandoffFilter freeze, RttRamp ramp) {
        try {
            if (freeze != null) {
                freeze.uninstall();
                freeze.close();
            }
            if (ramp != null) {
                ramp.uninstall();
            }
        } catch (IOException e) {
            Logger.getLogger(Main.class.getName()).log(Level.WARNING, "cannot undo the start-up changes", e);
        }
    }
}
