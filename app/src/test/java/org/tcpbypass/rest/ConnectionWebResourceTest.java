package org.tcpbypass.rest;

import com.google.common.collect.ImmutableList;
import org.easymock.Capture;
import org.junit.Test;
import org.tcpbypass.api.ConnectionReport;
import org.tcpbypass.api.OffloadException;

import javax.ws.rs.client.Entity;
import javax.ws.rs.core.Response;

import static org.easymock.EasyMock.anyObject;
import static org.easymock.EasyMock.capture;
import static org.easymock.EasyMock.expect;
import static org.easymock.EasyMock.newCapture;
import static org.easymock.EasyMock.replay;
import static org.junit.Assert.assertEquals;
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

    @Test
    public void refusedReportAnswers403() {
        expect(service.report(anyObject()))
                .andThrow(new OffloadException(OffloadException.Reason.FORBIDDEN, "proxy proxy1 is not registered"));
        replay(service);
        assertError(403, "proxy proxy1 is not registered", post("post-connections.json"));
    }
}
