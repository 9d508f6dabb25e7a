package org.tcpbypass.rest;

import org.junit.Test;
import org.tcpbypass.api.BypassStatistics;

import javax.ws.rs.core.Response;
import java.io.IOException;

import static org.easymock.EasyMock.expect;
import static org.easymock.EasyMock.replay;
import static org.junit.Assert.assertEquals;
import static org.tcpbypass.codec.BypassFixtures.statistics;

/**
 * Tests {@code GET /statistics}.
 */
public class StatisticsWebResourceTest extends BypassResourceTest {

    @Test
    public void answersTheSummary() throws IOException {
        expect(service.statistics()).andReturn(statistics());
        replay(service);

        Response response = target("statistics").request().get();
        assertEquals(200, response.getStatus());
        assertEquals(codecs.mapper().readTree(codecs.encode(statistics(), BypassStatistics.class).toString()),
                     body(response));
    }
}
