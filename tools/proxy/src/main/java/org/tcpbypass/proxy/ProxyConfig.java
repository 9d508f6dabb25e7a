package org.tcpbypass.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/** The proxy's validated configuration (format: README.md, "Configuration"). */
public final class ProxyConfig {
    public final String name;
    public final String deviceId;
    public final int threads;
    public final int bufferBytes;
    /** Relay by splice(2) through a kernel pipe per direction ("splice"), or by copying through the JVM. */
    public final boolean splice;
    public final int metricsIntervalSeconds;
    public final String nftTable;
    public final Controller controller;
    public final Handoff handoff;
    public final RttRamp rttRamp;
    public final List<Listener> listeners;

    private ProxyConfig(JsonNode root) throws ConfigException {
        Fields f = new Fields(root, "");
        name = f.string("name", null);
        deviceId = f.string("deviceId", null);
        threads = f.integer("threads", Runtime.getRuntime().availableProcessors(), 1, 256);
        bufferBytes = f.integer("bufferBytes", 65536, 4096, 16 << 20);
        String relay = f.string("relay", "splice");
        if (!relay.equals("splice") && !relay.equals("copy")) {
            throw new ConfigException("relay: '" + relay + "' is neither splice nor copy");
        }
        splice = relay.equals("splice");
        metricsIntervalSeconds = f.integer("metricsIntervalSeconds", 10, 0, 86400);
        nftTable = f.string("nftTable", "tcpbypass");
        if (!nftTable.matches("[A-Za-z][A-Za-z0-9_]{0,31}")) {
            throw new ConfigException("nftTable: '" + nftTable + "' is not a valid nftables table name");
        }
        controller = new Controller(f.object("controller"));
        handoff = new Handoff(f.object("handoff"));
        rttRamp = new RttRamp(f.object("rttRamp"));
        JsonNode ls = f.node("listeners");
        if (ls == null || !ls.isArray() || ls.size() == 0) {
            throw new ConfigException("listeners: at least one listener is needed (--listen and --backend)");
        }
        List<Listener> list = new ArrayList<>();
        for (int i = 0; i < ls.size(); i++) {
            list.add(new Listener(new Fields(ls.get(i), "listeners[" + i + "].")));
        }
        listeners = Collections.unmodifiableList(list);
        f.rejectUnknown();
        if (controller.url != null && name == null) {
            throw new ConfigException("name: the proxy's registered name is required with controller.url");
        }
        if (offloads() && controller.url == null) {
            throw new ConfigException("controller.url is required by an offload policy other than never");
        }
        if (offloads() && deviceId == null) {
            throw new ConfigException("deviceId is required by an offload policy other than never");
        }
        Set<InetSocketAddress> seen = new HashSet<>();
        for (Listener l : listeners) {
            if (!seen.add(l.listen)) {
                throw new ConfigException("listeners: " + l.listen + " is listed twice");
            }
        }
    }

    /** Validates a configuration tree. */
    public static ProxyConfig parse(JsonNode root) throws ConfigException {
        if (root == null || !root.isObject()) {
            throw new ConfigException("configuration must be a JSON object");
        }
        return new ProxyConfig(root);
    }

    /** Whether any listener may hand connections off. */
    public boolean offloads() {
        return listeners.stream().anyMatch(l -> l.offload != OffloadPolicy.NEVER);
    }

    /** The controller's REST API. */
    public static final class Controller {
        /** The environment variable holding the controller password when no passwordFile is set. */
        public static final String PASSWORD_ENV = "TCP_BYPASS_CONTROLLER_PASSWORD";
        /** Base URL of the app's resources, e.g. http://onos:8181/onos/tcp-bypass; null: no controller. */
        public final URI url;
        /** HTTP basic user; null: no authentication. */
        public final String user;
        /** Its password, read from {@code passwordFile} or {@value #PASSWORD_ENV}; never a setting or flag. */
        public final String password;
        /** PEM file of the CA certificates an https controller is checked against; null: the JDK's. */
        public final Path caFile;
        public final int requestTimeoutMillis;
        public final int offloadTimeoutMillis;
        public final int reportIntervalMillis;

        Controller(Fields f) throws ConfigException {
            String u = f.string("url", null);
            if (u != null) {
                try {
                    URI uri = new URI(u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
                    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())
                            || uri.getHost() == null) {
                        throw new ConfigException("controller.url: '" + u + "' is not an http(s) URL");
                    }
                    url = uri;
                } catch (URISyntaxException e) {
                    throw new ConfigException("controller.url: '" + u + "' is not a URL: " + e.getReason());
                }
            } else {
                url = null;
            }
            if (f.node("password") != null) {
                throw new ConfigException("controller.password: a password is never a setting; put it in a file "
                                                  + "(controller.passwordFile, --controller-password-file) or in "
                                                  + PASSWORD_ENV);
            }
            user = f.string("user", null);
            String passwordFile = f.string("passwordFile", null);
            if (passwordFile != null) {
                try {
                    password = Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8).strip();
                } catch (IOException | RuntimeException e) {
                    throw new ConfigException("controller.passwordFile: cannot read '" + passwordFile + "': " + e);
                }
            } else {
                password = user == null ? null : System.getenv(PASSWORD_ENV);
            }
            if (user == null && passwordFile != null) {
                throw new ConfigException("controller.passwordFile: given without controller.user");
            }
            if (user != null && (password == null || password.isEmpty())) {
                throw new ConfigException("controller.user: needs a password in controller.passwordFile or "
                                                  + PASSWORD_ENV);
            }
            String ca = f.string("caFile", null);
            if (ca != null && (url == null || !"https".equals(url.getScheme()))) {
                throw new ConfigException("controller.caFile: only for an https controller.url");
            }
            if (ca != null && !Files.isReadable(Path.of(ca))) {
                throw new ConfigException("controller.caFile: cannot read '" + ca + "'");
            }
            caFile = ca == null ? null : Path.of(ca);
            requestTimeoutMillis = f.integer("requestTimeoutMillis", 2000, 1, 60000);
            offloadTimeoutMillis = f.integer("offloadTimeoutMillis", 5000, 1, 60000);
            reportIntervalMillis = f.integer("reportIntervalMillis", 1000, 0, 3600000);
            f.rejectUnknown();
        }
    }

    /** Hand-off bounds. */
    public static final class Handoff {
        public final int drainTimeoutMillis;
        public final int probeTimeoutMillis;
        public final int maxConcurrent;
        /** At least this long between two hand-offs' resumptions of their peers (see offload.ResumePacer). */
        public final int resumeSpacingMillis;
        /** How often the controller is asked which handed-off server-leg ports can be freed. */
        public final int reservationSweepSeconds;
        /** The hand-off threads' nice value, where the proxy may raise their priority (CAP_SYS_NICE). */
        public final int niceness;

        Handoff(Fields f) throws ConfigException {
            drainTimeoutMillis = f.integer("drainTimeoutMillis", 4000, 1, 60000);
            probeTimeoutMillis = f.integer("probeTimeoutMillis", 50, 1, 10000);
            maxConcurrent = f.integer("maxConcurrent", 16, 1, 1024);
            resumeSpacingMillis = f.integer("resumeSpacingMillis", 2, 0, 1000);
            reservationSweepSeconds = f.integer("reservationSweepSeconds", 30, 1, 3600);
            niceness = f.integer("niceness", -10, -20, 19);
            f.rejectUnknown();
        }
    }

    /** The synthetic RTT ramp of both legs before a hand-off (README.md, "RTT ramp"). */
    public static final class RttRamp {
        public final boolean enabled;
        /** The delay added at each step. */
        public final int stepMillis;
        /** Between steps. */
        public final int intervalMillis;
        /**
         * At the target before the hand-off: past BBR's 10 s min-RTT window and its 200 ms PROBE_RTT by default;
         * CUBIC's smoothed RTT follows within a few RTTs (1000 suffices).
         */
        public final int dwellMillis;
        /** The largest delay added to a leg. */
        public final int maxMillis;
        /** What holds the segments. */
        public final Mechanism mechanism;
        /** The netfilter queue the held segments go through (queue mechanism). */
        public final int queue;
        /** The IFB device the held segments are redirected to (netem mechanism). */
        public final String ifb;
        /** The preference of the netem mechanism's ingress filters, unique on the host. */
        public final int preference;

        /** How the ramp holds segments. */
        public enum Mechanism {
            /** netem where the kernel has it, else the netfilter queue. */
            AUTO,
            /** netem on an IFB behind ingress redirects; start-up fails without it. */
            NETEM,
            /** The proxy's delay line behind a netfilter queue; no qdisc. */
            QUEUE
        }

        RttRamp(Fields f) throws ConfigException {
            enabled = f.bool("enabled", false);
            stepMillis = f.integer("stepMillis", 20, 1, 1000);
            intervalMillis = f.integer("intervalMillis", 200, 1, 60000);
            dwellMillis = f.integer("dwellMillis", 11000, 0, 600000);
            maxMillis = f.integer("maxMillis", 1000, 1, 10000);
            String m = f.string("mechanism", "auto");
            if (!m.matches("auto|netem|queue")) {
                throw new ConfigException("rttRamp.mechanism: '" + m + "' (one of auto, netem, queue)");
            }
            mechanism = Mechanism.valueOf(m.toUpperCase(java.util.Locale.ROOT));
            queue = f.integer("queue", 7301, 0, 65535);
            ifb = f.string("ifb", "tbp-ramp");
            // An interface name (IFNAMSIZ 16 with the NUL) that ip and tc take as one word.
            if (!ifb.matches("[A-Za-z][A-Za-z0-9_.-]{0,14}")) {
                throw new ConfigException("rttRamp.ifb: '" + ifb + "' is not an interface name of at most 15"
                                                  + " letters, digits, '_', '.' or '-'");
            }
            preference = f.integer("preference", 49301, 1, 65535);
            f.rejectUnknown();
            if (stepMillis > maxMillis) {
                throw new ConfigException("rttRamp.stepMillis: " + stepMillis + " exceeds rttRamp.maxMillis "
                                                  + maxMillis);
            }
        }
    }

    /** One listening address and where its clients go. */
    public static final class Listener {
        public final InetSocketAddress listen;
        public final List<InetSocketAddress> backends;
        public final boolean roundRobin;
        public final OffloadPolicy offload;
        public final long offloadBytes;

        Listener(Fields f) throws ConfigException {
            listen = endpoint(f.prefix + "listen", f.string("listen", null));
            JsonNode b = f.node("backends");
            if (b == null || !b.isArray() || b.size() == 0) {
                throw new ConfigException(f.prefix + "backends: at least one backend address is needed");
            }
            List<InetSocketAddress> list = new ArrayList<>();
            for (int i = 0; i < b.size(); i++) {
                String where = f.prefix + "backends[" + i + "]";
                if (!b.get(i).isTextual()) {
                    throw new ConfigException(where + ": expected \"ip:port\"");
                }
                list.add(endpoint(where, b.get(i).asText()));
            }
            backends = Collections.unmodifiableList(list);
            String balance = f.string("balance", "round-robin");
            if (!"round-robin".equals(balance) && !"first".equals(balance)) {
                throw new ConfigException(f.prefix + "balance: '" + balance + "' (one of round-robin, first)");
            }
            roundRobin = "round-robin".equals(balance);
            Fields o = f.object("offload");
            try {
                offload = OffloadPolicy.parse(o.string("policy", "never"));
            } catch (ConfigException e) {
                throw new ConfigException(f.prefix + "offload.policy: " + e.getMessage());
            }
            offloadBytes = o.integer("bytes", 1 << 20, 1, Integer.MAX_VALUE);
            o.rejectUnknown();
            f.rejectUnknown();
        }
    }

    /** Parses "a.b.c.d:port" (IPv4 literal, port 1..65535). */
    public static InetSocketAddress endpoint(String where, String text) throws ConfigException {
        if (text == null) {
            throw new ConfigException(where + ": missing (expected \"ip:port\")");
        }
        int colon = text.lastIndexOf(':');
        String ip = colon < 0 ? "" : text.substring(0, colon);
        if (!ip.matches("(\\d{1,3}\\.){3}\\d{1,3}")) {
            throw new ConfigException(where + ": '" + text + "' is not an IPv4 address:port");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new ConfigException(where + ": '" + text + "' has no numeric port");
        }
        if (port < 1 || port > 65535) {
            throw new ConfigException(where + ": port " + port + " is outside 1..65535");
        }
        try {
            for (String part : ip.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    throw new ConfigException(where + ": '" + text + "' is not an IPv4 address:port");
                }
            }
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (UnknownHostException e) {
            throw new ConfigException(where + ": '" + text + "' is not an IPv4 address:port");
        }
    }

    /** Typed access to one JSON object's fields, remembering which were read. */
    static final class Fields {
        final String prefix;
        private final JsonNode node;
        private final Set<String> read = new HashSet<>();

        Fields(JsonNode node, String prefix) throws ConfigException {
            if (node != null && !node.isObject()) {
                throw new ConfigException((prefix.isEmpty() ? "configuration" : prefix) + ": expected an object");
            }
            this.node = node;
            this.prefix = prefix;
        }

        JsonNode node(String key) {
            read.add(key);
            return node == null ? null : node.get(key);
        }

        Fields object(String key) throws ConfigException {
            JsonNode n = node(key);
            if (n != null && !n.isObject()) {
                throw new ConfigException(prefix + key + ": expected an object");
            }
            return new Fields(n, prefix + key + ".");
        }

        String string(String key, String dflt) throws ConfigException {
            JsonNode n = node(key);
            if (n == null || n.isNull()) {
                return dflt;
            }
            if (!n.isTextual() || n.asText().isEmpty()) {
                throw new ConfigException(prefix + key + ": expected a non-empty string");
            }
            return n.asText();
        }

        int integer(String key, int dflt, int min, int max) throws ConfigException {
            JsonNode n = node(key);
            if (n == null || n.isNull()) {
                return dflt;
            }
            long v;
            if (n.isIntegralNumber() && n.canConvertToLong()) {
                v = n.asLong();
            } else if (n.isTextual() && n.asText().matches("-?\\d{1,18}")) {
                v = Long.parseLong(n.asText());
            } else {
                throw new ConfigException(prefix + key + ": '" + n.asText() + "' is not an integer");
            }
            if (v < min || v > max) {
                throw new ConfigException(prefix + key + ": " + v + " is outside " + min + ".." + max);
            }
            return (int) v;
        }

        boolean bool(String key, boolean dflt) throws ConfigException {
            JsonNode n = node(key);
            if (n == null || n.isNull()) {
                return dflt;
            }
            if (n.isBoolean()) {
                return n.asBoolean();
            }
            if (n.isTextual() && ("true".equals(n.asText()) || "false".equals(n.asText()))) {
                return Boolean.parseBoolean(n.asText());
            }
            throw new ConfigException(prefix + key + ": '" + n.asText() + "' is not true or false");
        }

        void rejectUnknown() throws ConfigException {
            if (node == null) {
                return;
            }
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!read.contains(k)) {
                    throw new ConfigException(prefix + k + ": unknown setting");
                }
            }
        }
    }

    /** Sets {@code path} (dot-separated) in {@code root} to a string value, creating objects on the way. */
    static void put(ObjectNode root, String path, String value) {
        String[] parts = path.split("\\.");
        ObjectNode o = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode n = o.get(parts[i]);
            o = n instanceof ObjectNode ? (ObjectNode) n : o.putObject(parts[i]);
        }
        o.put(parts[parts.length - 1], value);
    }
}
