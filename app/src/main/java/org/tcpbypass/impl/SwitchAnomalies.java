package org.tcpbypass.impl;

import org.onosproject.net.DeviceId;
import org.slf4j.Logger;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.SwitchAnomaly;

import java.util.Collection;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.slf4j.LoggerFactory.getLogger;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ANOMALY_BLIND_CLOSE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ANOMALY_COUNTER;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ANOMALY_FRAGMENT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ANOMALY_IPV4_OPTIONS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ANOMALY_REASONS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ANOMALY_TCP_OPTIONS;

/**
 * Adds the switches' anomaly counters to the statistics: every switch is read at once, over P4Runtime, and one
 * that does not answer within the timeout is named as unread rather than counted as zero.
 */
final class SwitchAnomalies {

    private static final Logger log = getLogger(SwitchAnomalies.class);
    private static final Map<SwitchAnomaly, Integer> CELLS = Map.of(
            SwitchAnomaly.FRAGMENT, ANOMALY_FRAGMENT,
            SwitchAnomaly.IPV4_OPTIONS, ANOMALY_IPV4_OPTIONS,
            SwitchAnomaly.TCP_OPTIONS, ANOMALY_TCP_OPTIONS,
            SwitchAnomaly.BLIND_CLOSE, ANOMALY_BLIND_CLOSE);

    private final SwitchCounters counters;
    private final long timeoutMillis;

    /**
     * Creates the reader.
     *
     * @param counters      the switches' counters
     * @param timeoutMillis how long a statistics request waits for the switches
     */
    SwitchAnomalies(SwitchCounters counters, long timeoutMillis) {
        this.counters = counters;
        this.timeoutMillis = timeoutMillis;
    }

    /**
     * Reads the switches' anomaly counters into the statistics.
     *
     * @param statistics the records' summary
     * @param switches   the switches bypasses are placed on
     * @return the summary with the anomalies summed over the switches that answered, and the others named
     */
    BypassStatistics add(BypassStatistics statistics, Collection<DeviceId> switches) {
        Map<DeviceId, CompletableFuture<long[]>> reads = new LinkedHashMap<>();
        for (DeviceId device : switches) {
            reads.put(device, counters.readPackets(device, ANOMALY_COUNTER, ANOMALY_REASONS)
                    .orTimeout(timeoutMillis, TimeUnit.MILLISECONDS));
        }
        Map<SwitchAnomaly, Long> sums = new EnumMap<>(SwitchAnomaly.class);
        Set<DeviceId> unread = new LinkedHashSet<>();
        for (Map.Entry<DeviceId, CompletableFuture<long[]>> read : reads.entrySet()) {
            long[] cells;
            try {
                cells = read.getValue().get();
            } catch (ExecutionException e) {
                log.debug("No anomaly counters from {}: {}", read.getKey(), e.getCause().toString());
                unread.add(read.getKey());
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                unread.add(read.getKey());
                continue;
            }
            CELLS.forEach((anomaly, cell) -> sums.merge(anomaly, cells[cell], Long::sum));
        }
        return statistics.withSwitchAnomalies(sums, unread);
    }
}
