package org.tcpbypass.lab.onos;

import org.onlab.packet.IpAddress;
import org.onlab.packet.MacAddress;
import org.onlab.packet.VlanId;
import org.onosproject.net.DefaultHost;
import org.onosproject.net.DeviceId;
import org.onosproject.net.Host;
import org.onosproject.net.HostId;
import org.onosproject.net.HostLocation;
import org.onosproject.net.PortNumber;
import org.onosproject.net.host.HostServiceAdapter;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * ONOS's host subsystem with the lab's hosts (what host discovery would learn from ARP and DHCP).
 */
public final class LabHostService extends HostServiceAdapter {

    private final List<Host> hosts = new CopyOnWriteArrayList<>();

    /**
     * Adds a host.
     *
     * @param mac    its MAC
     * @param ip     its address
     * @param device switch it attaches to
     * @param port   switch port
     */
    public void add(MacAddress mac, IpAddress ip, DeviceId device, long port) {
        hosts.add(new DefaultHost(LabDeviceService.PROVIDER, HostId.hostId(mac), mac, VlanId.NONE,
                                  new HostLocation(device, PortNumber.portNumber(port), 0), Set.of(ip)));
    }

    @Override
    public int getHostCount() {
        return hosts.size();
    }

    @Override
    public Iterable<Host> getHosts() {
        return hosts;
    }

    @Override
    public Host getHost(HostId hostId) {
        return hosts.stream().filter(h -> h.id().equals(hostId)).findFirst().orElse(null);
    }

    @Override
    public Set<Host> getHostsByIp(IpAddress ip) {
        return hosts.stream().filter(h -> h.ipAddresses().contains(ip)).collect(Collectors.toSet());
    }

    @Override
    public Set<Host> getHostsByMac(MacAddress mac) {
        return hosts.stream().filter(h -> h.mac().equals(mac)).collect(Collectors.toSet());
    }
}
