package org.tcpbypass.rest;

import org.onosproject.rest.AbstractWebResource;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.RegisteredProxy;

import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Proxies registered in the network configuration.
 */
@Path("proxies")
public class ProxyWebResource extends AbstractWebResource {

    static final String PROXIES = "proxies";

    /**
     * Lists registered proxies. Each with its address, VIPs, MAC and switch port, ordered by name.
     *
     * @return 200 OK with {"proxies": [...]}
     * @onos.rsModel Proxies
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response proxies() {
        List<RegisteredProxy> proxies = get(BypassService.class).proxies().stream()
                .sorted(Comparator.comparing(RegisteredProxy::name))
                .collect(Collectors.toList());
        return ok(encodeArray(RegisteredProxy.class, PROXIES, proxies)).build();
    }
}
