package org.tcpbypass.gui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableMap;
import org.easymock.Capture;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.onosproject.ui.JsonUtils;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassEvent;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassListener;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.OffloadException;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.easymock.EasyMock.capture;
import static org.easymock.EasyMock.createMock;
import static org.easymock.EasyMock.expect;
import static org.easymock.EasyMock.expectLastCall;
import static org.easymock.EasyMock.replay;
import static org.easymock.EasyMock.reset;
import static org.easymock.EasyMock.verify;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.gui.BypassViewMessageHandler.RELEASE_REASON;
import static org.tcpbypass.gui.BypassViewMessageHandler.RELEASE_REQ;
import static org.tcpbypass.gui.BypassViewMessageHandler.RELEASE_RESP;
import static org.tcpbypass.gui.BypassViewMessageHandler.REFRESH;
import static org.tcpbypass.gui.BypassViewMessageHandler.TABLE_REQ;
import static org.tcpbypass.gui.BypassViewMessageHandler.TABLE_RESP;
import static org.tcpbypass.gui.BypassViewMessageHandler.TABLE_ROOT;
import static org.tcpbypass.gui.SampleBypasses.NOW;

/**
 * The TCP Bypass view's server side: table rows, sorting, filtering, summary, release action and live refresh.
 */
public class BypassViewMessageHandlerTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long PERIOD_MS = 100;

    private final List<Bypass> records = SampleBypasses.all();
    private final BypassStatistics stats = new BypassStatistics(
            ImmutableMap.of(BypassState.PROXIED, 1L, BypassState.OFFLOADING, 1L, BypassState.BYPASSED, 2L,
                            BypassState.FAILED, 1L),
            1370, 1_652_864, 2, 40, 60, 90, ImmutableMap.of("intent failed", 1L));

    private BypassService service;
    private FakeUiConnection connection;
    private BypassViewMessageHandler handler;
    private final Capture<BypassListener> listener = Capture.newInstance();

    @Before
    public void setUp() {
        service = createMock(BypassService.class);
        service.addListener(capture(listener));
        expect(service.bypasses()).andReturn(records).anyTimes();
        expect(service.statistics()).andReturn(stats).anyTimes();
        connection = new FakeUiConnection();
        handler = new BypassViewMessageHandler(service, Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC),
                                               PERIOD_MS);
    }

    private void start() {
        replay(service);
        handler.init(connection, null);
    }

    @After
    public void tearDown() {
        verify(service);
    }

    private ObjectNode request(String type, String json) throws Exception {
        handler.process(JsonUtils.envelope(type, (ObjectNode) MAPPER.readTree(json)));
        List<ObjectNode> responses = connection.payloads(type.equals(TABLE_REQ) ? TABLE_RESP : RELEASE_RESP);
        return responses.get(responses.size() - 1);
    }

    private List<String> column(ObjectNode response, String col) {
        List<String> values = new ArrayList<>();
        response.get(TABLE_ROOT).forEach(row -> values.add(row.get(col).asText()));
        return values;
    }

    @Test
    public void rowsShowLegsSwitchStateCountersAndAge() throws Exception {
        start();
        JsonNode row = request(TABLE_REQ, "{}").get(TABLE_ROOT).get(1);
        assertThat(row.get("id").asText(), is("2"));
        assertThat(row.get("clientLeg").asText(), is("198.18.1.2:40002 \u2192 198.18.0.1:80"));
        assertThat(row.get("serverLeg").asText(), is("198.18.0.1:50002 \u2192 198.18.2.2:8080"));
        assertThat(row.get("deviceId").asText(), is("device:bmv2:s1"));
        assertThat(row.get("state").asText(), is("Bypassed"));
        assertThat(row.get("packets").asText(), is("1,300"));
        assertThat(row.get("bytes").asText(), is("1.5 MB"));
        assertThat(row.get("age").asText(), is("2m 05s"));
        assertThat(row.get("reason").asText(), is(""));
    }

    @Test
    public void everyRecordIsARowSortedNumericallyByIdByDefault() throws Exception {
        start();
        assertThat(column(request(TABLE_REQ, "{}"), "id"), contains("1", "2", "3", "10", "11"));
    }

    @Test
    public void sortsByBytesDescending() throws Exception {
        start();
        ObjectNode resp = request(TABLE_REQ, "{\"firstCol\":\"bytes\",\"firstDir\":\"desc\","
                + "\"secondCol\":\"id\",\"secondDir\":\"asc\"}");
        assertThat(column(resp, "id"), contains("2", "3", "1", "10", "11"));
    }

    @Test
    public void sortsByAgeOnTheRawValue() throws Exception {
        start();
        ObjectNode resp = request(TABLE_REQ, "{\"firstCol\":\"age\",\"firstDir\":\"asc\"}");
        assertThat(column(resp, "id"), contains("10", "1", "2", "3", "11"));
        assertThat(column(resp, "age"), contains("3s", "5s", "2m 05s", "2h 00m", "2d 01h"));
    }

    @Test
    public void sortsByStateInLifeCycleOrder() throws Exception {
        start();
        ObjectNode resp = request(TABLE_REQ, "{\"firstCol\":\"state\",\"firstDir\":\"asc\","
                + "\"secondCol\":\"id\",\"secondDir\":\"desc\"}");
        assertThat(column(resp, "state"), contains("Proxied", "Offloading", "Bypassed", "Bypassed", "Failed"));
        assertThat(column(resp, "id"), contains("1", "10", "3", "2", "11"));
    }

    @Test
    public void summaryCountsProxiedBypassedAndBytesSaved() throws Exception {
        start();
        JsonNode annots = request(TABLE_REQ, "{}").get("annots");
        assertThat(annots.get("proxied").asText(), is("1"));
        assertThat(annots.get("offloading").asText(), is("1"));
        assertThat(annots.get("bypassed").asText(), is("2"));
        assertThat(annots.get("bytesSaved").asText(), is("1.58 MB"));
        assertThat(annots.get("no_rows_msg").asText(), is("No proxied connections"));
    }

    @Test
    public void filtersByState() throws Exception {
        start();
        assertThat(column(request(TABLE_REQ, "{\"stateFilter\":\"bypassed\"}"), "id"), contains("2", "3"));
    }

    @Test
    public void filtersByDevice() throws Exception {
        start();
        assertThat(column(request(TABLE_REQ, "{\"devId\":\"device:bmv2:s2\"}"), "id"), contains("3", "10"));
    }

    @Test
    public void filtersByTextAcrossLegsCaseInsensitively() throws Exception {
        start();
        assertThat(column(request(TABLE_REQ, "{\"filter\":\"198.18.2.3:\"}"), "id"), contains("3"));
        assertThat(column(request(TABLE_REQ, "{\"filter\":\"FAILED\"}"), "id"), contains("11"));
        assertThat(column(request(TABLE_REQ, "{\"filter\":\"nothing like this\"}"), "id"), is(empty()));
    }

    @Test
    public void unknownStateFilterShowsAnErrorAndNoRows() throws Exception {
        start();
        ObjectNode resp = request(TABLE_REQ, "{\"stateFilter\":\"sleeping\"}");
        assertThat(resp.get(TABLE_ROOT).size(), is(0));
        assertThat(resp.get("annots").get("error").asText(), is("unknown state 'sleeping'"));
    }

    @Test
    public void releaseCallsTheServiceAndReportsTheNewState() throws Exception {
        Bypass released = records.get(1).withState(BypassState.RELEASED, RELEASE_REASON, NOW);
        expect(service.release(BypassId.of(2), RELEASE_REASON)).andReturn(released);
        start();
        ObjectNode resp = request(RELEASE_REQ, "{\"id\":\"2\"}");
        assertThat(resp.get("id").asText(), is("2"));
        assertThat(resp.get("released").asBoolean(), is(true));
        assertThat(resp.get("state").asText(), is("Released"));
    }

    @Test
    public void releaseOfAnUnknownIdReportsTheServicesError() throws Exception {
        expect(service.release(BypassId.of(99), RELEASE_REASON))
                .andThrow(new OffloadException(OffloadException.Reason.NOT_FOUND, "no bypass 99"));
        start();
        ObjectNode resp = request(RELEASE_REQ, "{\"id\":\"99\"}");
        assertThat(resp.get("released").asBoolean(), is(false));
        assertThat(resp.get("error").asText(), is("no bypass 99"));
    }

    @Test
    public void releaseWithABadIdNeverReachesTheService() throws Exception {
        start();
        ObjectNode resp = request(RELEASE_REQ, "{\"id\":\"abc\"}");
        assertThat(resp.get("released").asBoolean(), is(false));
        assertThat(resp.get("error").asText(), is("bypass id 'abc' is not a number"));
        resp = request(RELEASE_REQ, "{}");
        assertThat(resp.get("released").asBoolean(), is(false));
        assertThat(resp.get("error").asText(), is("bypass id '' is not a number"));
    }

    @Test
    public void aBurstOfEventsPushesOneRefresh() throws Exception {
        start();
        BypassEvent event = new BypassEvent(BypassEvent.Type.COUNTERS_UPDATED, records.get(1));
        for (int i = 0; i < 100; i++) {
            listener.getValue().event(event);
        }
        assertTrue("no refresh within 5 s", awaitRefreshes(1));
        Thread.sleep(3 * PERIOD_MS);
        assertThat(connection.payloads(REFRESH), hasSize(1));

        listener.getValue().event(new BypassEvent(BypassEvent.Type.STATE_CHANGED, records.get(1)));
        assertTrue("no second refresh within 5 s", awaitRefreshes(2));
    }

    @Test
    public void destroyStopsListening() {
        start();
        reset(service);
        service.removeListener(listener.getValue());
        expectLastCall();
        replay(service);
        handler.destroy();
    }

    @Test
    public void noEventNoRefresh() throws Exception {
        start();
        Thread.sleep(2 * PERIOD_MS);
        assertThat(connection.sent(), is(empty()));
    }

    private boolean awaitRefreshes(int n) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 5000;
        while (connection.payloads(REFRESH).size() < n && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        return connection.payloads(REFRESH).size() >= n;
    }
}
