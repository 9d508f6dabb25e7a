package org.tcpbypass.api;

import com.google.common.collect.ImmutableMap;

import java.util.Map;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A summary of all bypass records: how many in each state, traffic the switch carried instead of the proxy,
 * hand-off latency, and failures by reason.
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
        this.countByState = ImmutableMap.copyOf(checkNotNull(countByState, "countByState"));
        this.packetsBypassed = packetsBypassed;
        this.bytesBypassed = bytesBypassed;
        this.handOffs = handOffs;
        this.handOffP50Millis = handOffP50Millis;
        this.handOffP90Millis = handOffP90Millis;
        this.handOffP99Millis = handOffP99Millis;
        this.failuresByReason = ImmutableMap.copyOf(checkNotNull(failuresByReason, "failuresByReason"));
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
}
