package org.tcpbypass.impl;

import org.onosproject.core.ApplicationId;
import org.onosproject.mastership.MastershipService;
import org.onosproject.net.flow.FlowEntry;
import org.onosproject.net.flow.FlowRuleService;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStore;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;

/**
 * Reads the bypass table's counters from the app's flow entries on the switches this instance masters (each
 * entry's cookie names its record and direction), keeps each bypassed record's counters current, and reports a
 * bypass whose counters did not move for the idle timeout. Called from one thread.
 */
final class IdleMonitor {

    private final BypassStore store;
    private final FlowRuleService flowRuleService;
    private final MastershipService mastershipService;
    private final ApplicationId appId;
    private final BiConsumer<BypassId, String> idle;
    private final Map<BypassId, Long> lastMoved = new HashMap<>();
    private final Set<BypassId> reported = new HashSet<>();

    IdleMonitor(BypassStore store, FlowRuleService flowRuleService, MastershipService mastershipService,
                ApplicationId appId, BiConsumer<BypassId, String> idle) {
        this.store = store;
        this.flowRuleService = flowRuleService;
        this.mastershipService = mastershipService;
        this.appId = appId;
        this.idle = idle;
    }

    /**
     * Polls the counters once.
     *
     * @param now               wall-clock time, ms
     * @param idleTimeoutMillis how long counters may stand still
     */
    void poll(long now, long idleTimeoutMillis) {
        Map<BypassId, Bypass> bypassed = new HashMap<>();
        Map<BypassId, long[]> counts = new HashMap<>();
        for (FlowEntry entry : flowRuleService.getFlowEntriesById(appId)) {
            if (!BYPASS_TABLE.equals(entry.table()) || !mastershipService.isLocalMaster(entry.deviceId())) {
                continue;
            }
            long cookie = entry.id().value();
            BypassId id = TcpBypassIntentCompiler.bypassId(cookie);
            if (!bypassed.containsKey(id)) {
                Optional<Bypass> bypass = store.get(id).filter(b -> b.state() == BypassState.BYPASSED);
                if (bypass.isEmpty()) {
                    continue;
                }
                bypassed.put(id, bypass.get());
            }
            long[] c = counts.computeIfAbsent(id, k -> new long[4]);
            int offset = TcpBypassIntentCompiler.direction(cookie) == BypassDirection.TO_SERVER ? 0 : 2;
            c[offset] += entry.packets();
            c[offset + 1] += entry.bytes();
        }
        counts.forEach((id, c) -> {
            BypassCounters counters = BypassCounters.of(c[0], c[1], c[2], c[3]);
            if (!counters.equals(bypassed.get(id).counters())) {
                store.update(id, b -> b.state() == BypassState.BYPASSED ? b.withCounters(counters) : b);
                lastMoved.put(id, now);
            } else if (now - lastMoved.computeIfAbsent(id, k -> now) >= idleTimeoutMillis && reported.add(id)) {
                idle.accept(id, "idle: no packet for " + idleTimeoutMillis / 1000 + " s");
            }
        });
        lastMoved.keySet().retainAll(counts.keySet());
        reported.retainAll(counts.keySet());
    }
}
