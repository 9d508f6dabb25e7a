package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.codec.CodecContext;
import org.onosproject.codec.JsonCodec;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.SwitchAnomaly;

/**
 * JSON codec of the bypass summary: records per state (every state listed, 0 included), traffic the switch
 * carried, hand-off latency percentiles, failures by reason (most frequent first), the switches' anomalies (every
 * kind listed) and the switches that could not be read.
 */
public final class BypassStatisticsCodec extends JsonCodec<BypassStatistics> {

    static final String COUNT_BY_STATE = "countByState";
    static final String PACKETS_BYPASSED = "packetsBypassed";
    static final String BYTES_BYPASSED = "bytesBypassed";
    static final String HAND_OFFS = "handOffs";
    static final String HAND_OFF_P50_MILLIS = "handOffP50Millis";
    static final String HAND_OFF_P90_MILLIS = "handOffP90Millis";
    static final String HAND_OFF_P99_MILLIS = "handOffP99Millis";
    static final String FAILURES_BY_REASON = "failuresByReason";
    static final String SWITCH_ANOMALIES = "switchAnomalies";
    static final String SWITCHES_UNREAD = "switchesUnread";

    @Override
    public ObjectNode encode(BypassStatistics statistics, CodecContext context) {
        ObjectNode result = context.mapper().createObjectNode();
        ObjectNode counts = result.putObject(COUNT_BY_STATE);
        for (BypassState state : BypassState.values()) {
            counts.put(state.name(), statistics.count(state));
        }
        result.put(PACKETS_BYPASSED, statistics.packetsBypassed())
                .put(BYTES_BYPASSED, statistics.bytesBypassed())
                .put(HAND_OFFS, statistics.handOffs())
                .put(HAND_OFF_P50_MILLIS, statistics.handOffP50Millis())
                .put(HAND_OFF_P90_MILLIS, statistics.handOffP90Millis())
                .put(HAND_OFF_P99_MILLIS, statistics.handOffP99Millis());
        ObjectNode failures = result.putObject(FAILURES_BY_REASON);
        statistics.failuresByReason().entrySet().stream()
                .sorted((a, b) -> a.getValue().equals(b.getValue())
                        ? a.getKey().compareTo(b.getKey()) : Long.compare(b.getValue(), a.getValue()))
                .forEach(e -> failures.put(e.getKey(), e.getValue()));
        ObjectNode anomalies = result.putObject(SWITCH_ANOMALIES);
        for (SwitchAnomaly anomaly : SwitchAnomaly.values()) {
            anomalies.put(anomaly.name(), statistics.switchAnomalies().get(anomaly));
        }
        ArrayNode unread = result.putArray(SWITCHES_UNREAD);
        statistics.switchesUnread().forEach(d -> unread.add(d.toString()));
        return result;
    }
}
