package org.tcpbypass.lab.net;

import org.onlab.packet.Ip4Address;
import org.onlab.packet.MacAddress;

/**
 * One lab host: a network namespace whose eth0 is a veth to one switch port.
 */
public final class LabHost {
    private final String role;
    private final String namespace;
    private final String switchInterface;
    private final int switchPort;
    private final Ip4Address ip;
    private final MacAddress mac;

    LabHost(String role, String namespace, String switchInterface, int switchPort, Ip4Address ip, MacAddress mac) {
        this.role = role;
        this.namespace = namespace;
        this.switchInterface = switchInterface;
        this.switchPort = switchPort;
        this.ip = ip;
        this.mac = mac;
    }

    /** Role in the lab: client, proxy or server. */
    public String role() {
        return role;
    }

    /** The host's network namespace. */
    public String namespace() {
        return namespace;
    }

    /** The veth end the switch owns. */
    public String switchInterface() {
        return switchInterface;
    }

    /** The BMv2 port the host attaches to. */
    public int switchPort() {
        return switchPort;
    }

    /** The host's address (inside its namespace). */
    public Ip4Address ip() {
        return ip;
    }

    /** The MAC of the host's eth0. */
    public MacAddress mac() {
        return mac;
    }

    /**
     * Runs a command in this host's namespace.
     *
     * @param command program and arguments
     * @return standard output
     */
    public String exec(String... command) {
        return Shell.inNamespace(namespace, command);
    }

    @Override
    public String toString() {
        return role + "(" + ip + " " + mac + " port " + switchPort + ")";
    }
}
