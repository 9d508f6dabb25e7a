package org.tcpbypass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableMap;
import org.junit.Test;
import org.onosproject.codec.JsonCodec;
import org.tcpbypass.api.BypassStatistics;

import static org.easymock.EasyMock.expect;
import static org.junit.Assert.assertEquals;
import static org.tcpbypass.cli.TestBypasses.STATISTICS;

/**
 * Tests bypass-stats.
 */
public class BypassStatsCommandTest extends CommandTest {

    private BypassStatsCommand command(String arguments) throws Exception {
        return parse(new BypassStatsCommand() {
            @Override
            public <T> T getService(Class<T> type) {
                return service(type);
            }

            @Override
            public <T> JsonCodec<T> codec(Class<T> type) {
                return codecFor(type);
            }
        }, arguments);
    }

    @Test
    public void showsCountsTrafficLatencyFailuresAndAnomalies() throws Exception {
        expect(bypassService.statistics()).andReturn(STATISTICS);
        replayService();
        command("").doExecute();
        assertEquals("proxied=1, offloading=0, bypassed=1, released=0, failed=2\n"
                             + "bypassed traffic: packets=18, bytes=15120\n"
                             + "hand-offs=3, latency p50=12 ms, p90=30 ms, p99=45 ms\n"
                             + "failures by reason:\n"
                             + "  device removed: 1\n"
                             + "  intent failed: 1\n"
                             + "switch anomalies: fragment=0, ipv4_options=0, tcp_options=0, blind_close=3"
                             + " (not read: device:bmv2:s2)\n",
                     shell.out());
        assertEquals("", shell.err());
    }

    @Test
    public void saysWhenNothingFailed() throws Exception {
        expect(bypassService.statistics()).andReturn(
                new BypassStatistics(ImmutableMap.of(), 0, 0, 0, 0, 0, 0, ImmutableMap.of()));
        replayService();
        command("").doExecute();
        assertEquals("proxied=0, offloading=0, bypassed=0, released=0, failed=0\n"
                             + "bypassed traffic: packets=0, bytes=0\n"
                             + "hand-offs=0, latency p50=0 ms, p90=0 ms, p99=0 ms\n"
                             + "failures by reason: none\n"
                             + "switch anomalies: fragment=0, ipv4_options=0, tcp_options=0, blind_close=0\n",
                     shell.out());
    }

    @Test
    public void jsonIsTheAppsStatisticsCodec() throws Exception {
        expect(bypassService.statistics()).andReturn(STATISTICS);
        replayService();
        command("--json").doExecute();
        JsonNode json = json();
        assertEquals(2, json.get("countByState").get("FAILED").asLong());
        assertEquals(0, json.get("countByState").get("OFFLOADING").asLong());
        assertEquals(15_120, json.get("bytesBypassed").asLong());
        assertEquals(3, json.get("handOffs").asLong());
        assertEquals(45, json.get("handOffP99Millis").asLong());
        assertEquals(1, json.get("failuresByReason").get("device removed").asLong());
        assertEquals(3, json.get("switchAnomalies").get("BLIND_CLOSE").asLong());
    }

    @Test
    public void jsonAsTheReadmeShowsIt() throws Exception {
        expect(bypassService.statistics()).andReturn(STATISTICS);
        replayService();
        command("-j").doExecute();
        assertEquals("{\"countByState\":{\"PROXIED\":1,\"OFFLOADING\":0,\"BYPASSED\":1,\"RELEASED\":0,\"FAILED\":2},"
                             + "\"packetsBypassed\":18,\"bytesBypassed\":15120,\"handOffs\":3,\"handOffP50Millis\":12,"
                             + "\"handOffP90Millis\":30,\"handOffP99Millis\":45,"
                             + "\"failuresByReason\":{\"device removed\":1,\"intent failed\":1},"
                             + "\"switchAnomalies\":{\"FRAGMENT\":0,\"IPV4_OPTIONS\":0,\"TCP_OPTIONS\":0,\"BLIND_CLOSE\":3},"
                             + "\"switchesUnread\":[\"device:bmv2:s2\"]}\n",
                     shell.out());
    }
}
