package org.tcpbypass.rest;

import org.onosproject.rest.AbstractWebResource;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.BypassStatistics;

import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;

/**
 * Summary of all bypass records, as the CLI's bypass-stats and the web UI show it.
 */
@Path("statistics")
public class StatisticsWebResource extends AbstractWebResource {

    /**
     * Returns bypass statistics. Records per state, packets and bytes the switch carried instead of the proxy,
     * hand-off latency percentiles and failures by reason.
     *
     * @return 200 OK with the statistics
     * @onos.rsModel Statistics
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response statistics() {
        BypassStatistics statistics = get(BypassService.class).statistics();
        return ok(codec(BypassStatistics.class).encode(statistics, this)).build();
    }
}
