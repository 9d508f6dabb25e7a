package org.tcpbypass.cli;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.onosproject.cli.AbstractShellCommand;
import org.onosproject.net.DeviceId;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.OffloadException;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Releases one connection, or every live one (on one switch): withdraws its bypass and ends its record.
 */
@Service
@Command(scope = "onos", name = "bypass-release",
        description = "Releases a bypass (the switch stops rewriting; the record ends), or all of them")
public class BypassReleaseCommand extends AbstractShellCommand {

    /** Reason recorded for releases from the shell. */
    static final String REASON = "released by operator";

    @Argument(name = "id", description = "Bypass id")
    @Completion(BypassIdCompleter.class)
    String id = null;

    @Option(name = "-a", aliases = "--all", description = "Release every live record")
    boolean all = false;

    @Option(name = "-d", aliases = "--device", description = "With --all: only records on this switch")
    @Completion(BypassDeviceIdCompleter.class)
    String device = null;

    @Override
    protected void doExecute() {
        if (all == (id != null)) {
            error("Give either a bypass id or --all");
        } else if (device != null && !all) {
            error("--device applies only with --all");
        } else if (all) {
            releaseAll();
        } else {
            releaseOne();
        }
    }

    private void releaseOne() {
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
        } else if (found.get().state().isFinal()) {
            error("Bypass %s is already %s", id, found.get().state());
        } else {
            try {
                Bypass released = service.release(found.get().id(), REASON);
                print("Released bypass %s: state=%s", released.id(), released.state());
            } catch (OffloadException e) {
                // Purged since we looked it up.
                error("%s", e.getMessage());
            }
        }
    }

    private void releaseAll() {
        BypassService service = getService(BypassService.class);
        DeviceId deviceId = device == null ? null : DeviceId.deviceId(device);
        List<Bypass> live = service.bypasses().stream()
                .filter(b -> !b.state().isFinal())
                .filter(b -> deviceId == null || b.deviceId().equals(deviceId))
                .sorted(Comparator.comparing(b -> b.id().id()))
                .collect(Collectors.toList());
        int released = 0;
        for (Bypass b : live) {
            try {
                service.release(b.id(), REASON);
                released++;
            } catch (OffloadException e) {
                // Ended by its proxy or the switch while we were releasing the others.
                print("Bypass %s: %s", b.id(), e.getMessage());
            }
        }
        print("Released %d bypass%s", released, released == 1 ? "" : "es");
    }
}
