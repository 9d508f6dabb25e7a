package org.tcpbypass.impl;

import org.junit.Test;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.BypassTranslation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.Assert.assertEquals;
import static org.tcpbypass.impl.TestData.CLIENT_LEG;
import static org.tcpbypass.impl.TestData.DEVICE;
import static org.tcpbypass.impl.TestData.SERVER_LEG;

/**
 * Statistics computed from records: counts, traffic, nearest-rank hand-off percentiles, failures by reason.
 */
public class StatisticsSummaryTest {

    private static Bypass bypassed(int n, long latency) {
        return Bypass.offloading(BypassId.of(n), "proxy1", DEVICE, TestData.tuple(n),
                                 BypassTranslation.of(CLIENT_LEG, SERVER_LEG), 1000)
                .withState(BypassState.BYPASSED, null, 1000 + latency)
                .withCounters(BypassCounters.of(1, 100, 2, 200));
    }

    @Test
    public void empty() {
        BypassStatistics s = StatisticsSummary.of(List.of());
        assertEquals(0, s.handOffs());
        assertEquals(0, s.handOffP99Millis());
        assertEquals(0, s.count(BypassState.BYPASSED));
        assertEquals(Map.of(), s.failuresByReason());
    }

    @Test
    public void percentilesCountsAndFailures() {
        List<Bypass> records = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            records.add(bypassed(i, i));
        }
        records.add(Bypass.proxied(BypassId.of(200), "proxy1", DEVICE, TestData.tuple(200), 5));
        records.add(bypassed(201, 7).withState(BypassState.FAILED, "device removed", 9000));
        records.add(Bypass.offloading(BypassId.of(202), "proxy1", DEVICE, TestData.tuple(202),
                                      BypassTranslation.of(CLIENT_LEG, SERVER_LEG), 1000)
                            .withState(BypassState.FAILED, "device removed", 1100));
        BypassStatistics s = StatisticsSummary.of(records);
        assertEquals(100, s.count(BypassState.BYPASSED));
        assertEquals(1, s.count(BypassState.PROXIED));
        assertEquals(2, s.count(BypassState.FAILED));
        assertEquals("hand-offs that reached BYPASSED", 101, s.handOffs());
        assertEquals(50, s.handOffP50Millis());
        assertEquals(90, s.handOffP90Millis());
        assertEquals(99, s.handOffP99Millis());
        assertEquals(101 * 3, s.packetsBypassed());
        assertEquals(101 * 300, s.bytesBypassed());
        assertEquals(Map.of("device removed", 2L), s.failuresByReason());
    }
}
