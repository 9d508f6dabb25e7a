package org.tcpbypass.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import org.onlab.packet.Ip4Address;
import org.onlab.packet.MacAddress;
import org.onosproject.core.ApplicationId;
import org.onosproject.net.ConnectPoint;
import org.onosproject.net.config.Config;
import org.tcpbypass.api.RegisteredProxy;

import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * The app's network configuration, key {@value #KEY}: the proxies allowed to request offloads and the teardown
 * timing. Example:
 * <pre>
 * {"apps": {"org.tcpbypass": {"tcp-bypass": {
 *   "proxies": [{"name": "proxy1", "ip": "198.18.0.2", "vips": ["198.18.0.100"],
 *                "mac": "00:00:00:00:00:02", "connectPoint": "device:bmv2:s1/2"}],
 *   "idleTimeoutSeconds": 432000, "lingerMillis": 10000, "retentionSeconds": 600}}}}
 * </pre>
 */
public final class BypassConfig extends Config<ApplicationId> {

    /** Configuration key under the app's subject. */
    public static final String KEY = "tcp-bypass";

    static final String PROXIES = "proxies";
    static final String IDLE_TIMEOUT_SECONDS = "idleTimeoutSeconds";
    static final String LINGER_MILLIS = "lingerMillis";
    static final String RETENTION_SECONDS = "retentionSeconds";
    private static final String NAME = "name";
    private static final String IP = "ip";
    private static final String VIPS = "vips";
    private static final String MAC = "mac";
    private static final String CONNECT_POINT = "connectPoint";

    @Override
    public boolean isValid() {
        try {
            check();
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Checks the whole configuration.
     *
     * @throws IllegalArgumentException naming the first invalid field and why
     */
    public void check() {
        checkArgument(object != null, "configuration must be a JSON object");
        onlyFields(object, "", PROXIES, IDLE_TIMEOUT_SECONDS, LINGER_MILLIS, RETENTION_SECONDS);
        proxies();
        idleTimeoutSeconds();
        lingerMillis();
        retentionSeconds();
    }

    /**
     * Returns the registered proxies.
     *
     * @return proxies, in configuration order
     * @throws IllegalArgumentException naming the first invalid field
     */
    public List<RegisteredProxy> proxies() {
        JsonNode list = object.path(PROXIES);
        if (list.isMissingNode()) {
            return ImmutableList.of();
        }
        checkArgument(list.isArray(), "%s: must be an array", PROXIES);
        ImmutableList.Builder<RegisteredProxy> proxies = ImmutableList.builder();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            RegisteredProxy proxy = proxy(list.get(i), PROXIES + "[" + i + "]");
            checkArgument(names.add(proxy.name()), "%s[%s].name: '%s' is registered twice", PROXIES, i,
                          proxy.name());
            proxies.add(proxy);
        }
        return proxies.build();
    }

    /**
     * Returns how long a bypass may carry no packet before it is released.
     *
     * @return seconds, if configured
     */
    public Optional<Integer> idleTimeoutSeconds() {
        return positive(IDLE_TIMEOUT_SECONDS, 1);
    }

    /**
     * Returns how long a bypass stays after both FINs or a RST, so the last ACKs and retransmissions pass.
     *
     * @return ms, if configured
     */
    public Optional<Integer> lingerMillis() {
        return positive(LINGER_MILLIS, 0);
    }

    /**
     * Returns how long released and failed records are kept.
     *
     * @return seconds, if configured
     */
    public Optional<Integer> retentionSeconds() {
        return positive(RETENTION_SECONDS, 0);
    }

    private Optional<Integer> positive(String field, int min) {
        JsonNode n = object.path(field);
        if (n.isMissingNode()) {
            return Optional.empty();
        }
        checkArgument(n.isInt() && n.intValue() >= min, "%s: %s is not an integer >= %s", field, n, min);
        return Optional.of(n.intValue());
    }

    private static RegisteredProxy proxy(JsonNode node, String at) {
        checkArgument(node.isObject(), "%s: must be an object", at);
        onlyFields(node, at + ".", NAME, IP, VIPS, MAC, CONNECT_POINT);
        String name = text(node, at, NAME);
        Ip4Address ip = parse(node, at, IP, Ip4Address::valueOf, "an IPv4 address");
        JsonNode vipList = node.path(VIPS);
        checkArgument(vipList.isArray() && vipList.size() > 0, "%s.%s: must be a non-empty array", at, VIPS);
        Set<Ip4Address> vips = new LinkedHashSet<>();
        for (int i = 0; i < vipList.size(); i++) {
            JsonNode vip = vipList.get(i);
            String where = at + "." + VIPS + "[" + i + "]";
            checkArgument(vip.isTextual(), "%s: must be a string", where);
            vips.add(parse(vip.asText(), where, Ip4Address::valueOf, "an IPv4 address"));
        }
        MacAddress mac = parse(node, at, MAC, MacAddress::valueOf, "a MAC address");
        ConnectPoint cp = parse(node, at, CONNECT_POINT, ConnectPoint::deviceConnectPoint,
                                "a connect point like device:bmv2:s1/2");
        return RegisteredProxy.of(name, ip, vips, mac, cp);
    }

    private static void onlyFields(JsonNode node, String at, String... allowed) {
        for (var it = node.fieldNames(); it.hasNext();) {
            String f = it.next();
            checkArgument(Set.of(allowed).contains(f), "%s%s: unknown field; allowed: %s", at, f,
                          String.join(", ", allowed));
        }
    }

    private static String text(JsonNode node, String at, String field) {
        JsonNode n = node.path(field);
        checkArgument(n.isTextual() && !n.asText().isEmpty(), "%s.%s: missing or not a non-empty string",
                      at, field);
        return n.asText();
    }

    private static <T> T parse(JsonNode node, String at, String field, Function<String, T> parser, String what) {
        return parse(text(node, at, field), at + "." + field, parser, what);
    }

    private static <T> T parse(String text, String where, Function<String, T> parser, String what) {
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": '" + text + "' is not " + what, e);
        }
    }
}
