package org.tcpbypass.rest;

import org.onosproject.rest.AbstractWebResource;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.ConnectionReport;

import javax.ws.rs.Consumes;
import javax.ws.rs.POST;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import java.io.InputStream;

/**
 * Proxies' reports of the connections they relay.
 */
@Path("connections")
public class ConnectionWebResource extends AbstractWebResource {

    static final String ACCEPTED = "accepted";

    /**
     * Reports proxied connections. A proxy's batched report of the connections it started and stopped relaying
     * since its last report; answers the number of connections recorded. 400 names an invalid field; 403 if the
     * proxy is not registered or a connection is not its own; on an error nothing is recorded.
     *
     * @param stream connection report JSON
     * @return 200 OK with {"accepted": N}
     * @onos.rsModel ConnectionsPost
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response report(InputStream stream) {
        ConnectionReport report = codec(ConnectionReport.class).decode(JsonBody.read(mapper(), stream), this);
        int accepted = get(BypassService.class).report(report);
        return ok(mapper().createObjectNode().put(ACCEPTED, accepted)).build();
    }
}
