package org.tcpbypass.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.onosproject.cli.AbstractShellCommand;
import org.onosproject.net.flow.FlowEntry;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.StateChange;

import java.time.Instant;
import java.util.Collection;
import java.util.Optional;

import static org.tcpbypass.api.BypassDirection.TO_CLIENT;
import static org.tcpbypass.api.BypassDirection.TO_SERVER;

/**
 * Shows everything about one connection: legs, translation, flow rules, counters and history.
 */
@Service
@Command(scope = "onos", name = "bypass-show",
        description = "Shows one proxied or bypassed TCP connection in detail")
public class BypassShowCommand extends AbstractShellCommand {

    /** JSON field added to the record for the switch's flow entries. */
    static final String FLOW_RULES = "flowRules";

    @Argument(name = "id", description = "Bypass id", required = true)
    @Completion(BypassIdCompleter.class)
    String id = null;

    @Override
    protected void doExecute() {
        BypassService service = getService(BypassService.class);
        Optional<Bypass> found;
        try {
            found = service.bypass(BypassId.valueOf(id));
        } catch (IllegalArgumentException e) {
            error("%s", e.getMessage());
            return;
        }
        if (found.isEmpty()) {
            error("No bypass with id %s", id);
            return;
        }
        Bypass b = found.get();
        Collection<FlowEntry> flows = service.flowEntries(b.id());
        if (outputJson()) {
            ObjectNode json = jsonForEntity(b, Bypass.class);
            json.set(FLOW_RULES, codec(FlowEntry.class).encode(flows, this));
            print("%s", json);
            return;
        }
        print("id=%s, proxy=%s, device=%s, state=%s%s", b.id(), b.proxy(), b.deviceId(), b.state(),
              b.reason() == null ? "" : ", reason=" + b.reason());
        print("  client leg: %s", BypassText.clientLeg(b.tuple()));
        print("  server leg: %s", BypassText.serverLeg(b.tuple()));
        if (b.translation().isPresent()) {
            printTranslation(b.translation().get());
        } else {
            print("  translation: none (not offloaded)");
        }
        BypassCounters c = b.counters();
        print("  counters: toServer %d packets / %d bytes, toClient %d packets / %d bytes",
              c.packetsToServer(), c.bytesToServer(), c.packetsToClient(), c.bytesToClient());
        print("  flow rules: %d", flows.size());
        flows.forEach(f -> print("    id=%s, state=%s, table=%s, packets=%d, bytes=%d, selector=%s, treatment=%s",
                                 Long.toHexString(f.id().value()), f.state(), f.table(), f.packets(),
                                 f.bytes(), f.selector().criteria(), f.treatment().allInstructions()));
        print("  history:");
        for (StateChange change : b.history()) {
            print("    %s %s%s", Instant.ofEpochMilli(change.time()), change.state(),
                  change.reason() == null ? "" : " (" + change.reason() + ")");
        }
    }

    private void printTranslation(BypassTranslation t) {
        print("  seq delta: toServer=%d, toClient=%d", t.seqDelta(TO_SERVER), t.seqDelta(TO_CLIENT));
        print("  ack delta: toServer=%d, toClient=%d", t.ackDelta(TO_SERVER), t.ackDelta(TO_CLIENT));
        print("  timestamp offset: toServer=%d, toClient=%d", t.tsValDelta(TO_SERVER), t.tsValDelta(TO_CLIENT));
        print("  window shift: toServer %d>>%d, toClient %d>>%d",
              t.windowShiftIn(TO_SERVER), t.windowShiftOut(TO_SERVER),
              t.windowShiftIn(TO_CLIENT), t.windowShiftOut(TO_CLIENT));
    }
}
