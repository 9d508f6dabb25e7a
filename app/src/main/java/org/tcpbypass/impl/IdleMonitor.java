package org.tcpbypass.impl;

import org.onosproject.core.ApplicationId;
import org.onosproject.mastership.MastershipService;
import org.onosproject.net.flow.FlowEntry;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.FlowRuleService;
import org.onosproject.net.pi.runtime.PiCounterCellData;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStore;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;

/**
 * Reads the bypass table's counters from the app's flow entries on the switches this instance masters (each
 * entry's cookie names its record and direction), keeps each bypassed record's counters current, and reads them
 * once more when a bypass is released. A bypass whose counters did not move for the idle timeout may still be a
 * live connection (an idle session without keepalives): its endpoints are probed, at {@value #PROBES} polls in a
 * row, and it is reported idle only when neither has answered within the answer window. Releasing a live one would
 * make its next segment draw a RST from the proxy host. Polled from one thread; told of record changes from the
 * store's.
 */
final class IdleMonitor {

    /** Keepalive probes of each endpoint of an idle bypass, one per poll. */
    static final int PROBES = 3;
    /**
     * The longest the endpoints are given to answer the first probe: longer than ONOS's poll of the switches' flow
     * counters (fallbackFlowPollFrequency, 30 s by default), through which their answers are seen.
     */
    static final long ANSWER_MILLIS = 60_000;

    private final BypassStore store;
    private final FlowRuleService flowRuleService;
    private final MastershipService mastershipService;
    private final ApplicationId appId;
    private final Consumer<BypassId> probe;
    private final BiConsumer<BypassId, String> idle;
    private final Map<BypassId, BypassCounters> bypassed = new ConcurrentHashMap<>();
    private final Map<BypassId, Long> lastMoved = new HashMap<>();
    // Idle bypasses being probed: when the first probe went and how many did.
    private final Map<BypassId, long[]> probed = new HashMap<>();
    private final Set<BypassId> reported = new HashSet<>();

    IdleMonitor(BypassStore store, FlowRuleService flowRuleService, MastershipService mastershipService,
                ApplicationId appId, Consumer<BypassId> probe, BiConsumer<BypassId, String> idle) {
        this.store = store;
        this.flowRuleService = flowRuleService;
        this.mastershipService = mastershipService;
        this.appId = appId;
        this.probe = probe;
        this.idle = idle;
    }

    /**
     * Follows a record's changes, so polling needs no store read: only BYPASSED records are polled, and their
     * counters in the store are rewritten only when the switch's moved.
     *
     * @param bypass record after a change
     */
    void changed(Bypass bypass) {
        if (bypass.state() == BypassState.BYPASSED) {
            bypassed.put(bypass.id(), bypass.counters());
        } else {
            bypassed.remove(bypass.id());
        }
    }

    /**
     * Forgets a removed record.
     *
     * @param id record id
     */
    void forget(BypassId id) {
        bypassed.remove(id);
    }

    /**
     * Polls the counters once. A bypass whose counters stood still for the idle timeout is probed at this poll and
     * the next ones, {@value #PROBES} times, and reported idle once they have stood still for the answer window
     * after the first probe: {@value #ANSWER_MILLIS} ms, or the idle timeout when that is shorter.
     *
     * @param now               wall-clock time, ms
     * @param idleTimeoutMillis how long counters may stand still before the endpoints are probed
     */
    void poll(long now, long idleTimeoutMillis) {
        Map<BypassId, long[]> counts = new HashMap<>();
        for (FlowEntry entry : flowRuleService.getFlowEntriesById(appId)) {
            long cookie = entry.id().value();
            BypassId id = BypassIntentCompiler.bypassId(cookie);
            if (!BYPASS_TABLE.equals(entry.table()) || !bypassed.containsKey(id)
                    || !mastershipService.isLocalMaster(entry.deviceId())) {
                continue;
            }
            add(counts.computeIfAbsent(id, k -> new long[4]), entry, entry.packets(), entry.bytes());
        }
        counts.forEach((id, c) -> {
            BypassCounters counters = BypassCounters.of(c[0], c[1], c[2], c[3]);
            BypassCounters known = bypassed.get(id);
            if (known == null) {
                return;
            }
            if (!counters.equals(known)) {
                store.update(id, b -> b.state() == BypassState.BYPASSED ? b.withCounters(counters) : b);
                lastMoved.put(id, now);
                probed.remove(id);
            } else if (now - lastMoved.computeIfAbsent(id, k -> now) >= idleTimeoutMillis) {
                probeOrReport(id, now, idleTimeoutMillis);
            }
        });
        lastMoved.keySet().retainAll(counts.keySet());
        probed.keySet().retainAll(counts.keySet());
        reported.retainAll(counts.keySet());
    }

    private void probeOrReport(BypassId id, long now, long idleTimeoutMillis) {
        long[] sinceAndSent = probed.computeIfAbsent(id, k -> new long[] {now, 0});
        if (sinceAndSent[1] < PROBES) {
            sinceAndSent[1]++;
            probe.accept(id);
        } else if (now - sinceAndSent[0] >= Math.min(ANSWER_MILLIS, idleTimeoutMillis) && reported.add(id)) {
            idle.accept(id, "idle: no packet for " + idleTimeoutMillis / 1000 + " s and no answer to " + PROBES
                    + " keepalive probes in " + (now - sinceAndSent[0]) / 1000 + " s");
        }
    }

    /**
     * Takes a bypassed record's final counters, read once more as it is released and before its entries are
     * withdrawn: a bypass shorter than one poll would otherwise end with none.
     *
     * @param id    record id
     * @param cells the record's bypass-table rules and their counters
     */
    void readFinal(BypassId id, Map<? extends FlowRule, PiCounterCellData> cells) {
        if (cells.isEmpty()) {
            return;
        }
        long[] c = new long[4];
        cells.forEach((rule, cell) -> add(c, rule, cell.packets(), cell.bytes()));
        BypassCounters counters = BypassCounters.of(c[0], c[1], c[2], c[3]);
        store.update(id, b -> b.state() == BypassState.BYPASSED && !b.counters().equals(counters)
                ? b.withCounters(counters) : b);
    }

    /**
     * The counters of flow entries as the flow rule service has them.
     *
     * @param entries flow entries
     * @return each entry's packets and bytes
     */
    static Map<FlowEntry, PiCounterCellData> cells(Collection<FlowEntry> entries) {
        Map<FlowEntry, PiCounterCellData> cells = new HashMap<>();
        entries.forEach(e -> cells.put(e, new PiCounterCellData(e.packets(), e.bytes())));
        return cells;
    }

    // Adds an entry's packets and bytes to its direction's pair: to-server at 0 and 1, to-client at 2 and 3.
    private static void add(long[] counts, FlowRule rule, long packets, long bytes) {
        int offset = BypassIntentCompiler.direction(rule.id().value()) == BypassDirection.TO_SERVER ? 0 : 2;
        counts[offset] += packets;
        counts[offset + 1] += bytes;
    }
}
