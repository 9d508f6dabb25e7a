package org.tcpbypass.impl;

import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;

import java.util.Arrays;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Summarizes bypass records into {@link BypassStatistics}.
 */
final class StatisticsSummary {

    private StatisticsSummary() {
    }

    /**
     * Summarizes records. Hand-off latency is the time from OFFLOADING to BYPASSED; percentiles are nearest-rank.
     *
     * @param records bypass records
     * @return statistics
     */
    static BypassStatistics of(Collection<Bypass> records) {
        Map<BypassState, Long> byState = new EnumMap<>(BypassState.class);
        Map<String, Long> failures = new TreeMap<>();
        long packets = 0;
        long bytes = 0;
        long[] latencies = new long[records.size()];
        int n = 0;
        for (Bypass b : records) {
            byState.merge(b.state(), 1L, Long::sum);
            packets += b.counters().packets();
            bytes += b.counters().bytes();
            if (b.state() == BypassState.FAILED) {
                failures.merge(String.valueOf(b.reason()), 1L, Long::sum);
            }
            Optional<Long> start = b.enteredAt(BypassState.OFFLOADING);
            Optional<Long> done = b.enteredAt(BypassState.BYPASSED);
            if (start.isPresent() && done.isPresent()) {
                latencies[n++] = done.get() - start.get();
            }
        }
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        return new BypassStatistics(byState, packets, bytes, n, percentile(sorted, 50), percentile(sorted, 90),
                                    percentile(sorted, 99), failures);
    }

    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }
}
