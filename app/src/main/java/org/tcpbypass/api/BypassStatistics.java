package org.tcpbypass.api;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import org.onosproject.net.DeviceId;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A summary of all bypass records: how many in each state, traffic the switch carried instead of the proxy,
 * hand-off latency, and failures by reason; and what the switches counted as anomalies.
 */
public final class BypassStatistics {

    private final Map<BypassState, Long> countByState;
    private final long packetsBypassed;
    private final long bytesBypassed;
    private final long handOffs;
    private final long handOffP50Millis;
    private final long handOffP90Millis;
    private final long handOffP99Millis;
    private final Map<String, Long> failuresByReason;
    private final Map<SwitchAnomaly, Long> switchAnomalies;
    private final Set<DeviceId> switchesUnread;

    /**
     * Creates a summary.
     *
     * @param countByState     records per state (states with none may be absent)
     * @param packetsBypassed  packets the bypass tables carried, all records
     * @param bytesBypassed    bytes the bypass tables carried, all records
     * @param handOffs         hand-offs measured (OFFLOADING to BYPASSED)
     * @param handOffP50Millis median hand-off latency, ms
     * @param handOffP90Millis 90th percentile hand-off latency, ms
     * @param handOffP99Millis 99th percentile hand-off latency, ms
     * @param failuresByReason FAILED records per reason
     */
    public BypassStatistics(Map<BypassState, Long> countByState, long packetsBypassed, long bytesBypassed,
                            long handOffs, long handOffP50Millis, long handOffP90Millis, long handOffP99Millis,
                            Map<String, Long> failuresByReason) {
        this(countByState, packetsBypassed, bytesBypassed, handOffs, handOffP50Millis, handOffP90Millis,
             handOffP99Millis, failuresByReason, ImmutableMap.of(), ImmutableSet.of());
    }

    private BypassStatistics(Map<BypassState, Long> countByState, long packetsBypassed, long bytesBypassed,
                             long handOffs, long handOffP50Millis, long handOffP90Millis, long handOffP99Millis,
                             Map<String, Long> failuresByReason, Map<SwitchAnomaly, Long> switchAnomalies,
                             Set<DeviceId> switchesUnread) {
        this.countByState = ImmutableMap.copyOf(checkNotNull(countByState, "countByState"));
        this.packetsBypassed = packetsBypassed;
        this.bytesBypassed = bytesBypassed;
        this.handOffs = handOffs;
        this.handOffP50Millis = handOffP50Millis;
        this.handOffP90Millis = handOffP90Millis;
        this.handOffP99Millis = handOffP99Millis;
        this.failuresByReason = ImmutableMap.copyOf(checkNotNull(failuresByReason, "failuresByReason"));
        Map<SwitchAnomaly, Long> anomalies = new EnumMap<>(SwitchAnomaly.class);
        for (SwitchAnomaly a : SwitchAnomaly.values()) {
            anomalies.put(a, checkNotNull(switchAnomalies, "switchAnomalies").getOrDefault(a, 0L));
        }
        this.switchAnomalies = ImmutableMap.copyOf(anomalies);
        this.switchesUnread = ImmutableSet.copyOf(checkNotNull(switchesUnread, "switchesUnread"));
    }

    /**
     * Returns this summary with the anomalies the switches counted.
     *
     * @param anomalies      anomalies per kind, summed over the switches read (kinds with none may be absent)
     * @param switchesUnread switches whose anomaly counter could not be read, so are not in the sums
     * @return a copy with the anomalies
     */
    public BypassStatistics withSwitchAnomalies(Map<SwitchAnomaly, Long> anomalies, Set<DeviceId> switchesUnread) {
        return new BypassStatistics(countByState, packetsBypassed, bytesBypassed, handOffs, handOffP50Millis,
                                    handOffP90Millis, handOffP99Millis, failuresByReason, anomalies, switchesUnread);
    }

    /**
     * Returns the number of records in a state.
     *
     * @param state state
     * @return count
     */
    public long count(BypassState state) {
        return countByState.getOrDefault(state, 0L);
    }

    /**
     * Returns the records per state.
     *
     * @return counts
     */
    public Map<BypassState, Long> countByState() {
        return countByState;
    }

    /**
     * Returns packets the switch carried for bypassed connections.
     *
     * @return packets
     */
    public long packetsBypassed() {
        return packetsBypassed;
    }

    /**
     * Returns bytes the switch carried for bypassed connections, i.e. bytes the proxy no longer relayed.
     *
     * @return bytes
     */
    public long bytesBypassed() {
        return bytesBypassed;
    }

    /**
     * Returns how many hand-offs the latency percentiles cover.
     *
     * @return hand-off count
     */
    public long handOffs() {
        return handOffs;
    }

    /**
     * Returns the median time from offload accepted to bypass active.
     *
     * @return ms
     */
    public long handOffP50Millis() {
        return handOffP50Millis;
    }

    /**
     * Returns the 90th percentile time from offload accepted to bypass active.
     *
     * @return ms
     */
    public long handOffP90Millis() {
        return handOffP90Millis;
    }

    /**
     * Returns the 99th percentile time from offload accepted to bypass active.
     *
     * @return ms
     */
    public long handOffP99Millis() {
        return handOffP99Millis;
    }

    /**
     * Returns the FAILED records per reason.
     *
     * @return failures by reason
     */
    public Map<String, Long> failuresByReason() {
        return failuresByReason;
    }

    /**
     * Returns the anomalies the switches counted since their pipeline was set, every kind listed.
     *
     * @return count per kind, summed over the switches read
     */
    public Map<SwitchAnomaly, Long> switchAnomalies() {
        return switchAnomalies;
    }

    /**
     * Returns the switches whose anomaly counter could not be read: their anomalies are not in
     * {@link #switchAnomalies()}.
     *
     * @return switches not read
     */
    public Set<DeviceId> switchesUnread() {
        return switchesUnread;
    }
}
