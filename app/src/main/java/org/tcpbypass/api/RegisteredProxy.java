package org.tcpbypass.api;

import com.google.common.base.MoreObjects;
import com.google.common.collect.ImmutableSet;
import org.onlab.packet.Ip4Address;
import org.onlab.packet.MacAddress;
import org.onosproject.net.ConnectPoint;

import java.util.Objects;
import java.util.Set;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A proxy allowed to request offloads, as registered in the network configuration.
 */
public final class RegisteredProxy {

    private final String name;
    private final Ip4Address ip;
    private final Set<Ip4Address> vips;
    private final MacAddress mac;
    private final ConnectPoint connectPoint;

    private RegisteredProxy(String name, Ip4Address ip, Set<Ip4Address> vips, MacAddress mac,
                            ConnectPoint connectPoint) {
        this.name = name;
        this.ip = ip;
        this.vips = vips;
        this.mac = mac;
        this.connectPoint = connectPoint;
    }

    /**
     * Returns a registered proxy.
     *
     * @param name         unique name
     * @param ip           source address of its server legs
     * @param vips         addresses its client legs end on (its own address may be one)
     * @param mac          MAC address frames from the proxy (and its VIPs) carry
     * @param connectPoint switch port it attaches to
     * @return proxy
     */
    public static RegisteredProxy of(String name, Ip4Address ip, Set<Ip4Address> vips, MacAddress mac,
                                     ConnectPoint connectPoint) {
        checkArgument(name != null && !name.isEmpty(), "name: must not be empty");
        checkArgument(vips != null && !vips.isEmpty(), "vips: at least one VIP");
        return new RegisteredProxy(name, checkNotNull(ip, "ip"), ImmutableSet.copyOf(vips),
                                   checkNotNull(mac, "mac"), checkNotNull(connectPoint, "connectPoint"));
    }

    /**
     * Returns the proxy's name.
     *
     * @return name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the source address of the proxy's server legs.
     *
     * @return address
     */
    public Ip4Address ip() {
        return ip;
    }

    /**
     * Returns the addresses the proxy's client legs end on.
     *
     * @return VIPs
     */
    public Set<Ip4Address> vips() {
        return vips;
    }

    /**
     * Returns the proxy's MAC address.
     *
     * @return MAC
     */
    public MacAddress mac() {
        return mac;
    }

    /**
     * Returns where the proxy attaches.
     *
     * @return switch port
     */
    public ConnectPoint connectPoint() {
        return connectPoint;
    }

    /**
     * Returns whether the tuple's legs are this proxy's: client leg ends on one of its VIPs, server leg starts at
     * its address.
     *
     * @param tuple connection endpoints
     * @return true if the proxy may ask about this connection
     */
    public boolean owns(ConnectionTuple tuple) {
        return vips.contains(tuple.vip().ip()) && ip.equals(tuple.proxy().ip());
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof RegisteredProxy)) {
            return false;
        }
        RegisteredProxy that = (RegisteredProxy) o;
        return name.equals(that.name) && ip.equals(that.ip) && vips.equals(that.vips) && mac.equals(that.mac)
                && connectPoint.equals(that.connectPoint);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, ip, vips, mac, connectPoint);
    }

    @Override
    public String toString() {
        return MoreObjects.toStringHelper(this)
                .add("name", name).add("ip", ip).add("vips", vips).add("mac", mac)
                .add("connectPoint", connectPoint).toString();
    }
}
