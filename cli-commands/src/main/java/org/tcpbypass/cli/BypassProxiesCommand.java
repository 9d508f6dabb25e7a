package org.tcpbypass.cli;

import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.onosproject.cli.AbstractShellCommand;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.RegisteredProxy;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Lists the proxies the network configuration allows to request offloads.
 */
@Service
@Command(scope = "onos", name = "bypass-proxies",
        description = "Lists the proxies registered in the network configuration")
public class BypassProxiesCommand extends AbstractShellCommand {

    @Override
    protected void doExecute() {
        List<RegisteredProxy> proxies = getService(BypassService.class).proxies().stream()
                .sorted(Comparator.comparing(RegisteredProxy::name))
                .collect(Collectors.toList());
        if (outputJson()) {
            print("%s", codec(RegisteredProxy.class).encode(proxies, this));
            return;
        }
        proxies.forEach(p -> print("name=%s, ip=%s, vips=%s, mac=%s, connectPoint=%s",
                                   p.name(), p.ip(), p.vips().stream().map(Object::toString).sorted()
                                           .collect(Collectors.joining(",")),
                                   p.mac(), p.connectPoint()));
    }
}
