package org.tcpbypass.cli;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.onosproject.cli.AbstractShellCommand;
import org.onosproject.net.DeviceId;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.BypassState;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Lists proxied and bypassed connections, one line each.
 */
@Service
@Command(scope = "onos", name = "bypass-list",
        description = "Lists proxied and bypassed TCP connections")
public class BypassListCommand extends AbstractShellCommand {

    @Option(name = "-s", aliases = "--state", description = "Only records in this state")
    @Completion(BypassStateCompleter.class)
    String state = null;

    @Option(name = "-d", aliases = "--device", description = "Only records on this switch")
    @Completion(BypassDeviceIdCompleter.class)
    String device = null;

    @Override
    protected void doExecute() {
        BypassState wanted;
        try {
            wanted = state == null ? null : BypassText.state(state);
        } catch (IllegalArgumentException e) {
            error("%s", e.getMessage());
            return;
        }
        DeviceId deviceId = device == null ? null : DeviceId.deviceId(device);
        List<Bypass> records = getService(BypassService.class).bypasses().stream()
                .filter(b -> wanted == null || b.state() == wanted)
                .filter(b -> deviceId == null || b.deviceId().equals(deviceId))
                .sorted(Comparator.comparing(b -> b.id().id()))
                .collect(Collectors.toList());
        if (outputJson()) {
            print("%s", codec(Bypass.class).encode(records, this));
            return;
        }
        long now = System.currentTimeMillis();
        records.forEach(b -> print("id=%s, device=%s, client=%s, server=%s, state=%s, age=%s, packets=%d, bytes=%d",
                                   b.id(), b.deviceId(), BypassText.clientLeg(b.tuple()),
                                   BypassText.serverLeg(b.tuple()), b.state(), BypassText.age(b, now),
                                   b.counters().packets(), b.counters().bytes()));
    }
}
