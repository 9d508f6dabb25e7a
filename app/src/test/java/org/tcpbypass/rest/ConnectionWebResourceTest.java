package org.tcpbypass.rest;

import com.google.common.collect.ImmutableList;
import org.easymock.Capture;
import org.junit.Test;
import org.tcpbypass.api.ConnectionReport;
import org.tcpbypass.api.OffloadException;

import javax.ws.rs.client.Entity;
import javax.ws.rs.core.Response;
import java.util.Collections;

import static org.easymock.EasyMock.anyObject;
import static org.easymock.EasyMock.capture;
import static org.easymock.EasyMock.expect;
import static org.easymock.EasyMock.newCapture;
import static org.easymock.EasyMock.replay;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.codec.BypassFixtures.endpoint;
import static org.tcpbypass.codec.BypassFixtures.tuple;

/**
 * Tests {@code POST /connections}.
 */
public class ConnectionWebResourceTest extends BypassResourceTest {

    private Response post(String fixture) {
        return target("connections").request()
                .post(Entity.json(ConnectionWebResourceTest.class.getResourceAsStream(fixture)));
    }

    @Test
    public void reportAnswersTheAcceptedCount() {
        Capture<ConnectionReport> report = newCapture();
        expect(service.report(capture(report))).andReturn(2);
        replay(service);

        Response response = post("post-connections.json");
        assertEquals(200, response.getStatus());
        assertEquals(2, body(response).get("accepted").asInt());
        assertEquals("proxy1", report.getValue().proxy());
        assertEquals(ImmutableList.of(org.tcpbypass.api.ConnectionTuple.of(
                endpoint("198.18.0.1", 40001), endpoint("198.18.0.100", 80),
                endpoint("198.18.0.2", 51001), endpoint("198.18.0.3", 8080))), report.getValue().opened());
        assertEquals(ImmutableList.of(tuple(40000)), report.getValue().closed());
    }

    @Test
    public void invalidReportAnswers400NamingTheElementAndReachesNoService() {
        replay(service);
        assertError(400, "opened[1].vip.port: 70000 is not in 1..65535", post("post-connections-invalid-port.json"));
        assertError(400, "proxy: is required",
                    target("connections").request().post(Entity.json("{\"opened\":[]}")));
    }

    private static String longest(int n) {
        return "{\"ip\": \"255.255.255.25" + n + "\", \"port\": 65535}";
    }

    @Test
    public void theLargestReportTheProxySendsFitsTheBodyLimit() {
        // The proxy's reporter sends at most 10 000 connections per report (ConnectionReporter.MAX_BATCH).
        String tuple = "{\"client\": " + longest(1) + ", \"vip\": " + longest(2) + ", \"proxyAddress\": "
                + longest(3) + ", \"server\": " + longest(4) + "}";
        String json = "{\"proxy\": \"proxy1\", \"opened\": ["
                + String.join(", ", Collections.nCopies(10_000, tuple)) + "]}";
        assertTrue(json.length() + " bytes", json.length() > JsonBody.MAX_BYTES / 3
                && json.length() < JsonBody.MAX_BYTES);
        Capture<ConnectionReport> report = newCapture();
        expect(service.report(capture(report))).andReturn(10_000);
        replay(service);
        Response response = target("connections").request().post(Entity.json(json));
        assertEquals(response.readEntity(String.class), 200, response.getStatus());
        assertEquals(10_000, report.getValue().opened().size());
    }

    @Test
    public void refusedReportAnswers403() {
        expect(service.report(anyObject()))
                .andThrow(new OffloadException(OffloadException.Reason.FORBIDDEN, "proxy proxy1 is not registered"));
        replay(service);
        assertError(403, "proxy proxy1 is not registered", post("post-connections.json"));
    }
}
