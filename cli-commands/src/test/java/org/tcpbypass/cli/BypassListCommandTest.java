package org.tcpbypass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import org.junit.Test;
import org.onosproject.codec.JsonCodec;

import static org.easymock.EasyMock.expect;
import static org.junit.Assert.assertEquals;
import static org.tcpbypass.cli.TestBypasses.T0;
import static org.tcpbypass.cli.TestBypasses.bypassed;
import static org.tcpbypass.cli.TestBypasses.failed;
import static org.tcpbypass.cli.TestBypasses.proxied;

/**
 * Tests bypass-list.
 */
public class BypassListCommandTest extends CommandTest {

    private static final String LINE_5 = "id=5, device=device:bmv2:s2, client=198.18.0.5:40002->198.18.0.100:80,"
            + " server=198.18.0.2:51002->198.18.0.3:8080, state=FAILED, age=2m05s, packets=0, bytes=0\n";
    private static final String LINE_17 = "id=17, device=device:bmv2:s1, client=198.18.0.1:40000->198.18.0.100:80,"
            + " server=198.18.0.2:51000->198.18.0.3:8080, state=BYPASSED, age=2m05s, packets=18, bytes=15120\n";
    private static final String LINE_18 = "id=18, device=device:bmv2:s1, client=198.18.0.4:40001->198.18.0.100:80,"
            + " server=198.18.0.2:51001->198.18.0.3:8080, state=PROXIED, age=2m05s, packets=0, bytes=0\n";

    /** Arms the service with records 5, 17 and 18, created at t0. */
    private void given(long t0) {
        expect(bypassService.bypasses()).andReturn(ImmutableList.of(proxied(t0), bypassed(t0), failed(t0)));
        replayService();
    }

    /** Arms the service with records 125.5 s old: their age reads 2m05s for the half second a test may take. */
    private void givenRecordsAged2m05s() {
        given(System.currentTimeMillis() - 125_500);
    }

    private BypassListCommand command(String arguments) throws Exception {
        return parse(new BypassListCommand() {
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
    public void listsAllRecordsByIdOneLineEach() throws Exception {
        givenRecordsAged2m05s();
        command("").doExecute();
        assertEquals(LINE_5 + LINE_17 + LINE_18, shell.out());
        assertEquals("", shell.err());
    }

    @Test
    public void filtersByStateInAnyCase() throws Exception {
        givenRecordsAged2m05s();
        command("--state bypassed").doExecute();
        assertEquals(LINE_17, shell.out());
    }

    @Test
    public void filtersByDevice() throws Exception {
        givenRecordsAged2m05s();
        command("-d device:bmv2:s1").doExecute();
        assertEquals(LINE_17 + LINE_18, shell.out());
    }

    @Test
    public void filtersByStateAndDevice() throws Exception {
        givenRecordsAged2m05s();
        command("-s PROXIED --device device:bmv2:s2").doExecute();
        assertEquals("", shell.out());
        assertEquals("", shell.err());
    }

    @Test
    public void unknownStateIsOneErrorLine() throws Exception {
        replayService();
        command("-s gone").doExecute();
        assertEquals("", shell.out());
        assertEquals("state 'gone' is not one of PROXIED, OFFLOADING, BYPASSED, RELEASED, FAILED\n", shell.err());
    }

    @Test
    public void jsonIsAnArrayOfTheAppsBypassCodec() throws Exception {
        givenRecordsAged2m05s();
        command("-j -d device:bmv2:s1").doExecute();
        JsonNode json = json();
        assertEquals(2, json.size());
        JsonNode b17 = json.get(0);
        assertEquals("17", b17.get("id").asText());
        assertEquals("proxy1", b17.get("proxy").asText());
        assertEquals("device:bmv2:s1", b17.get("deviceId").asText());
        assertEquals("BYPASSED", b17.get("state").asText());
        assertEquals("198.18.0.1", b17.get("client").get("ip").asText());
        assertEquals(40000, b17.get("client").get("port").asInt());
        assertEquals("198.18.0.3", b17.get("server").get("ip").asText());
        assertEquals(1000, b17.get("translation").get("seqDeltaToServer").asLong());
        assertEquals(14_600, b17.get("bytesToServer").asLong());
        assertEquals(520, b17.get("bytesToClient").asLong());
        assertEquals(2, b17.get("history").size());
        assertEquals("18", json.get(1).get("id").asText());
        assertEquals("PROXIED", json.get(1).get("state").asText());
        assertEquals("", shell.err());
    }

    @Test
    public void jsonOfOneStateAsTheReadmeShowsIt() throws Exception {
        given(T0);
        command("-s bypassed -j").doExecute();
        assertEquals("[{\"id\":\"17\",\"proxy\":\"proxy1\",\"deviceId\":\"device:bmv2:s1\",\"state\":\"BYPASSED\","
                             + "\"reason\":null,\"client\":{\"ip\":\"198.18.0.1\",\"port\":40000},"
                             + "\"vip\":{\"ip\":\"198.18.0.100\",\"port\":80},"
                             + "\"proxyAddress\":{\"ip\":\"198.18.0.2\",\"port\":51000},"
                             + "\"server\":{\"ip\":\"198.18.0.3\",\"port\":8080},"
                             + "\"translation\":{\"seqDeltaToServer\":1000,\"seqDeltaToClient\":4294964296,"
                             + "\"tsOffsetToServer\":4294967096,\"tsOffsetToClient\":400,"
                             + "\"windowShiftInToServer\":7,\"windowShiftOutToServer\":7,"
                             + "\"windowShiftInToClient\":7,\"windowShiftOutToClient\":7,"
                             + "\"handOffSeqToServer\":2000,\"handOffSeqToClient\":4000},"
                             + "\"created\":" + T0 + ",\"updated\":" + (T0 + 120) + ","
                             + "\"packetsToServer\":10,\"bytesToServer\":14600,\"packetsToClient\":8,\"bytesToClient\":520,"
                             + "\"history\":[{\"state\":\"OFFLOADING\",\"time\":" + T0 + "},"
                             + "{\"state\":\"BYPASSED\",\"time\":" + (T0 + 120) + "}]}]\n",
                     shell.out());
    }
}
