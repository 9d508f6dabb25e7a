package org.tcpbypass.cli;

import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.onosproject.cli.AbstractChoicesCompleter;
import org.onosproject.cli.AbstractShellCommand;
import org.tcpbypass.api.BypassService;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Completes bypass ids.
 */
@Service
public class BypassIdCompleter extends AbstractChoicesCompleter {

    @Override
    protected List<String> choices() {
        return choices(AbstractShellCommand.get(BypassService.class));
    }

    /**
     * Returns the ids of all records, in numeric order.
     *
     * @param service bypass service
     * @return ids
     */
    static List<String> choices(BypassService service) {
        return service.bypasses().stream()
                .map(b -> b.id().id())
                .sorted()
                .map(String::valueOf)
                .collect(Collectors.toList());
    }
}
