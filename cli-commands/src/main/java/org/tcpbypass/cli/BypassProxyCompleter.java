package org.tcpbypass.cli;

import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.onosproject.cli.AbstractChoicesCompleter;
import org.onosproject.cli.AbstractShellCommand;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.RegisteredProxy;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Completes the names of registered proxies.
 */
@Service
public class BypassProxyCompleter extends AbstractChoicesCompleter {

    @Override
    protected List<String> choices() {
        return choices(AbstractShellCommand.get(BypassService.class));
    }

    /**
     * Returns the registered proxies' names, sorted.
     *
     * @param service bypass service
     * @return names
     */
    static List<String> choices(BypassService service) {
        return service.proxies().stream().map(RegisteredProxy::name).sorted().collect(Collectors.toList());
    }
}
