package org.tcpbypass.cli;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.onosproject.cli.AbstractShellCommand;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Summarises all records: counts per state, traffic the switch carried, hand-off latency and failures; and the
 * anomalies the switches counted.
 */
@Service
@Command(scope = "onos", name = "bypass-stats",
        description = "Shows bypass counts per state, bytes bypassed, hand-off latency, failures and switch anomalies")
public class BypassStatsCommand extends AbstractShellCommand {

    @Override
    protected void doExecute() {
        BypassStatistics s = getService(BypassService.class).statistics();
        if (outputJson()) {
            print("%s", jsonForEntity(s, BypassStatistics.class));
            return;
        }
        print("%s", Arrays.stream(BypassState.values())
                .map(state -> state.name().toLowerCase(Locale.ROOT) + "=" + s.count(state))
                .collect(Collectors.joining(", ")));
        print("bypassed traffic: packets=%d, bytes=%d", s.packetsBypassed(), s.bytesBypassed());
        print("hand-offs=%d, latency p50=%d ms, p90=%d ms, p99=%d ms",
              s.handOffs(), s.handOffP50Millis(), s.handOffP90Millis(), s.handOffP99Millis());
        print("failures by reason:%s", s.failuresByReason().isEmpty() ? " none" : "");
        s.failuresByReason().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> print("  %s: %d", e.getKey(), e.getValue()));
        print("switch anomalies: %s%s", s.switchAnomalies().entrySet().stream()
                      .map(e -> e.getKey().name().toLowerCase(Locale.ROOT) + "=" + e.getValue())
                      .collect(Collectors.joining(", ")),
              s.switchesUnread().isEmpty() ? ""
                      : " (not read: " + s.switchesUnread().stream().map(Object::toString)
                      .collect(Collectors.joining(", ")) + ")");
    }
}
