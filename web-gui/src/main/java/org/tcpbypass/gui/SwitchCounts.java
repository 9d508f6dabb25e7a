package org.tcpbypass.gui;

import org.onosproject.net.DeviceId;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassState;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;

/**
 * Live connections on one switch: how many the proxy still relays (proxied or being offloaded) and how many the
 * switch carries, with the traffic it carried for them.
 */
final class SwitchCounts {

    private long proxied;
    private long bypassed;
    private long packets;
    private long bytes;

    /**
     * Counts the live records of one switch.
     *
     * @param bypasses all records
     * @param deviceId switch
     * @return counts, all zero if the switch has no live connection
     */
    static SwitchCounts of(Collection<Bypass> bypasses, DeviceId deviceId) {
        SwitchCounts counts = new SwitchCounts();
        bypasses.stream().filter(b -> b.deviceId().equals(deviceId)).forEach(counts::add);
        return counts;
    }

    /**
     * Counts live records per switch.
     *
     * @param bypasses all records
     * @return counts of every switch with at least one live connection, ordered by device id
     */
    static Map<DeviceId, SwitchCounts> perSwitch(Collection<Bypass> bypasses) {
        Map<DeviceId, SwitchCounts> perSwitch = new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
        bypasses.stream().filter(b -> !b.state().isFinal())
                .forEach(b -> perSwitch.computeIfAbsent(b.deviceId(), d -> new SwitchCounts()).add(b));
        return perSwitch;
    }

    private void add(Bypass b) {
        if (b.state() == BypassState.BYPASSED) {
            bypassed++;
            packets += b.counters().packets();
            bytes += b.counters().bytes();
        } else if (!b.state().isFinal()) {
            proxied++;
        }
    }

    /**
     * Returns connections the proxy relays: PROXIED or OFFLOADING.
     *
     * @return count
     */
    long proxied() {
        return proxied;
    }

    /**
     * Returns connections the switch carries: BYPASSED.
     *
     * @return count
     */
    long bypassed() {
        return bypassed;
    }

    /**
     * Returns packets the switch carried for its bypassed connections.
     *
     * @return packets
     */
    long packets() {
        return packets;
    }

    /**
     * Returns bytes the switch carried for its bypassed connections.
     *
     * @return bytes
     */
    long bytes() {
        return bytes;
    }
}
