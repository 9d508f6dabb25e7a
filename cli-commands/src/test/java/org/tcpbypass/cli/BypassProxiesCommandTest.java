package org.tcpbypass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import org.junit.Test;
import org.onosproject.codec.JsonCodec;

import static org.easymock.EasyMock.expect;
import static org.junit.Assert.assertEquals;
import static org.tcpbypass.cli.TestBypasses.PROXY1;
import static org.tcpbypass.cli.TestBypasses.PROXY2;

/**
 * Tests bypass-proxies.
 */
public class BypassProxiesCommandTest extends CommandTest {

    private BypassProxiesCommand command(String arguments) throws Exception {
        return parse(new BypassProxiesCommand() {
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
    public void listsRegisteredProxiesByName() throws Exception {
        expect(bypassService.proxies()).andReturn(ImmutableList.of(PROXY2, PROXY1));
        replayService();
        command("").doExecute();
        assertEquals("name=proxy1, ip=198.18.0.2, vips=198.18.0.100,198.18.0.101, mac=00:00:00:00:00:02,"
                             + " connectPoint=device:bmv2:s1/2\n"
                             + "name=proxy2, ip=198.18.1.2, vips=198.18.1.100, mac=00:00:00:00:01:02,"
                             + " connectPoint=device:bmv2:s2/4\n",
                     shell.out());
        assertEquals("", shell.err());
    }

    @Test
    public void printsNothingWithoutProxies() throws Exception {
        expect(bypassService.proxies()).andReturn(ImmutableList.of());
        replayService();
        command("").doExecute();
        assertEquals("", shell.out());
    }

    @Test
    public void jsonIsAnArrayOfTheAppsProxyCodec() throws Exception {
        expect(bypassService.proxies()).andReturn(ImmutableList.of(PROXY2, PROXY1));
        replayService();
        command("--json").doExecute();
        JsonNode json = json();
        assertEquals(2, json.size());
        assertEquals("proxy1", json.get(0).get("name").asText());
        assertEquals("198.18.0.2", json.get(0).get("ip").asText());
        assertEquals(2, json.get(0).get("vips").size());
        assertEquals("00:00:00:00:00:02", json.get(0).get("mac").asText());
        assertEquals("device:bmv2:s1/2", json.get(0).get("connectPoint").asText());
        assertEquals("proxy2", json.get(1).get("name").asText());
    }
}
