package org.tcpbypass.lab.net;

import org.onlab.packet.Ip4Address;
import org.onlab.packet.MacAddress;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

/**
 * Client, proxy and server namespaces, each with a veth to one switch, plus the switch's CPU port veth.
 * Addresses live only inside the namespaces (198.18.0.0/15); the switch side has none. Neighbours are
 * static, so no ARP needs forwarding and the switch sees only IPv4.
 */
public final class LabTopology implements AutoCloseable {

    /** Prefix of every namespace and interface the lab creates. */
    public static final String PREFIX = "tbl";
    /** BMv2 port number of the CPU port; matches the pipeline's CPU_PORT. */
    public static final int CPU_PORT = 255;

    private static final String HOST_IF = "eth0";
    private static final String LINK_HOST_SIDE = "host";
    private static final String LINK_SWITCH_SIDE = "switch";
    private static final String[] OFFLOADS = {
        "rx", "off", "tx", "off", "sg", "off", "tso", "off", "gso", "off", "gro", "off"};

    private final String id;
    private final List<LabHost> hosts;
    private final String cpuSwitchInterface;
    private final String cpuControllerInterface;

    private final java.util.Map<String, ImpairedLink> links = new java.util.HashMap<>();
    private final Set<String> impaired;

    private LabTopology(String id, List<LabHost> hosts, Set<String> impaired) {
        this.id = id;
        this.hosts = hosts;
        this.impaired = impaired;
        this.cpuSwitchInterface = PREFIX + id + "cpu";
        this.cpuControllerInterface = PREFIX + id + "cpc";
    }

    /**
     * Builds the lab: namespaces client (port 1, 198.18.0.1), proxy (port 2, 198.18.0.2) and server
     * (port 3, 198.18.0.3), offloads off on every veth, static neighbours, IPv6 off.
     * Namespaces left behind by dead lab processes are removed first.
     *
     * @return the topology; close it to tear everything down
     */
    public static LabTopology create() {
        return create(Set.of());
    }

    /**
     * Builds the lab with user-space impaired links (see {@link ImpairedLink}) between the named hosts and
     * the switch; each such link lives in a namespace of its own.
     *
     * @param impairedRoles roles among client, proxy, server
     * @return the topology; close it to tear everything down
     */
    public static LabTopology create(Set<String> impairedRoles) {
        removeStale();
        String id = Long.toString(ProcessHandle.current().pid(), 36);
        List<LabHost> hosts = new ArrayList<>();
        String[] roles = {"client", "proxy", "server"};
        for (int i = 0; i < roles.length; i++) {
            int n = i + 1;
            hosts.add(new LabHost(roles[i], PREFIX + "-" + id + "-" + roles[i], PREFIX + id + "s" + n, n,
                                  Ip4Address.valueOf("198.18.0." + n),
                                  MacAddress.valueOf(String.format("02:00:00:00:00:%02x", n))));
        }
        LabTopology t = new LabTopology(id, Collections.unmodifiableList(hosts), Set.copyOf(impairedRoles));
        try {
            t.build();
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    private void build() {
        for (LabHost h : hosts) {
            Shell.run("ip", "netns", "add", h.namespace());
            if (impaired.contains(h.role())) {
                String link = linkNamespace(h);
                Shell.run("ip", "netns", "add", link);
                Shell.run("ip", "link", "add", h.switchInterface(), "type", "veth", "peer", "name", LINK_SWITCH_SIDE,
                          "netns", link);
                Shell.run("ip", "-n", link, "link", "add", LINK_HOST_SIDE, "type", "veth", "peer", "name",
                          HOST_IF, "netns", h.namespace());
                Shell.inNamespace(link, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
                for (String ifname : new String[]{LINK_SWITCH_SIDE, LINK_HOST_SIDE}) {
                    Shell.run("ip", "-n", link, "link", "set", ifname, "promisc", "on", "up");
                    offloadsOff(link, ifname);
                }
                links.put(h.role(), new ImpairedLink(link, LINK_HOST_SIDE, LINK_SWITCH_SIDE, h.switchPort()));
            } else {
                Shell.run("ip", "link", "add", h.switchInterface(), "type", "veth", "peer", "name", HOST_IF,
                          "netns", h.namespace());
            }
            quietSwitchSide(h.switchInterface());
            h.exec("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
            h.exec("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
            h.exec("ip", "link", "set", "lo", "up");
            h.exec("ip", "link", "set", HOST_IF, "address", h.mac().toString());
            h.exec("ip", "addr", "add", h.ip() + "/15", "dev", HOST_IF);
            h.exec("ip", "link", "set", HOST_IF, "up");
            offloadsOff(h.namespace(), HOST_IF);
        }
        for (LabHost h : hosts) {
            for (LabHost peer : hosts) {
                if (peer != h) {
                    addNeighbour(h, peer.ip(), peer.mac());
                }
            }
        }
        Shell.run("ip", "link", "add", cpuSwitchInterface, "type", "veth", "peer", "name", cpuControllerInterface);
        quietSwitchSide(cpuSwitchInterface);
        quietSwitchSide(cpuControllerInterface);
    }

    private static void quietSwitchSide(String ifname) {
        Shell.run("sysctl", "-qw", "net.ipv6.conf." + ifname + ".disable_ipv6=1");
        Shell.run("ip", "link", "set", ifname, "up");
        offloadsOff(null, ifname);
    }

    // With checksum offload on, veth hands the switch segments whose TCP checksum is unfinished; the
    // receiver then drops every segment the switch forwards.
    private static void offloadsOff(String namespace, String ifname) {
        List<String> prefix = namespace == null ? List.of() : List.of("ip", "netns", "exec", namespace);
        List<String> set = new ArrayList<>(prefix);
        set.addAll(List.of("ethtool", "-K", ifname));
        set.addAll(List.of(OFFLOADS));
        // ethtool exits non-zero when one feature is fixed even though the others changed: judge by the result.
        Shell.Result r = Shell.tryRun(set);
        List<String> show = new ArrayList<>(prefix);
        show.addAll(List.of("ethtool", "-k", ifname));
        String features = Shell.run(show);
        if (features.contains("tx-checksumming: on") || features.contains("rx-checksumming: on")) {
            throw new IllegalStateException("cannot turn checksum offload off on " + ifname + ": " + r.stderr.trim());
        }
    }

    /**
     * Adds a permanent neighbour entry to a host, e.g. for an address served by another host's MAC.
     *
     * @param host host whose table changes
     * @param ip   neighbour address
     * @param mac  neighbour MAC
     */
    public void addNeighbour(LabHost host, Ip4Address ip, MacAddress mac) {
        host.exec("ip", "neigh", "replace", ip.toString(), "lladdr", mac.toString(), "dev", HOST_IF,
                  "nud", "permanent");
    }

    /**
     * Replaces the root qdisc of a host's eth0, e.g. {@code "netem", "loss", "1%"}; none restores the default.
     *
     * @param host  host
     * @param qdisc qdisc and its parameters, or nothing to remove shaping
     */
    public void shape(LabHost host, String... qdisc) {
        if (qdisc.length == 0) {
            Shell.tryRun(List.of("ip", "netns", "exec", host.namespace(), "tc", "qdisc", "del", "dev", HOST_IF,
                                 "root"));
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("tc", "qdisc", "replace", "dev", HOST_IF, "root"));
        cmd.addAll(List.of(qdisc));
        host.exec(cmd.toArray(new String[0]));
    }

    /**
     * Returns the impaired link of a host built with one.
     *
     * @param host host
     * @return its link
     */
    public ImpairedLink link(LabHost host) {
        ImpairedLink l = links.get(host.role());
        if (l == null) {
            throw new IllegalArgumentException(host.role() + " has no impaired link");
        }
        return l;
    }

    private String linkNamespace(LabHost h) {
        return PREFIX + "-" + id + "-" + h.role() + "link";
    }

    /** The client host. */
    public LabHost client() {
        return hosts.get(0);
    }

    /** The proxy host. */
    public LabHost proxy() {
        return hosts.get(1);
    }

    /** The server host. */
    public LabHost server() {
        return hosts.get(2);
    }

    /** All hosts. */
    public List<LabHost> hosts() {
        return hosts;
    }

    /** The switch's end of the CPU port veth. */
    public String cpuSwitchInterface() {
        return cpuSwitchInterface;
    }

    /** The controller's end of the CPU port veth, where packet-ins arrive. */
    public String cpuControllerInterface() {
        return cpuControllerInterface;
    }

    /** The interface name of every host inside its namespace. */
    public static String hostInterface() {
        return HOST_IF;
    }

    /** Deletes every namespace and veth of this lab; safe to call twice. */
    @Override
    public void close() {
        links.values().forEach(ImpairedLink::close);
        links.clear();
        for (LabHost h : hosts) {
            Shell.tryRun(List.of("ip", "netns", "del", linkNamespace(h)));
            // Deleting the veth here is synchronous; a namespace's own teardown finishes later in the kernel.
            Shell.tryRun(List.of("ip", "link", "del", h.switchInterface()));
            Shell.tryRun(List.of("ip", "netns", "del", h.namespace()));
        }
        Shell.tryRun(List.of("ip", "link", "del", cpuSwitchInterface));
    }

    // Namespaces are named tbl-<pid in base 36>-<role>: those of processes that no longer run are leftovers.
    private static void removeStale() {
        for (String line : Shell.run("ip", "netns", "list").split("\n")) {
            String name = line.split(" ")[0];
            String[] parts = name.split("-");
            if (parts.length != 3 || !parts[0].equals(PREFIX)) {
                continue;
            }
            long pid;
            try {
                pid = Long.parseLong(parts[1], 36);
            } catch (NumberFormatException e) {
                continue;
            }
            if (ProcessHandle.of(pid).isEmpty()) {
                Shell.tryRun(List.of("ip", "netns", "del", name));
                Shell.tryRun(List.of("ip", "link", "del", PREFIX + parts[1] + "cpu"));
            }
        }
    }

    @Override
    public String toString() {
        return "lab " + id + " " + hosts;
    }
}
