package org.tcpbypass.codec;

import com.google.common.collect.ImmutableList;
import org.junit.Test;
import org.tcpbypass.api.ConnectionReport;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.codec.BypassFixtures.tuple;
import static org.tcpbypass.codec.CodecAssertions.assertInvalid;
import static org.tcpbypass.codec.TestCodecContext.json;

/**
 * Tests the connection report codec.
 */
public class ConnectionReportCodecTest {

    private static final String TUPLE = "{'client':{'ip':'198.18.0.1','port':%d},'vip':{'ip':'198.18.0.100','port':80},"
            + "'proxyAddress':{'ip':'198.18.0.2','port':51000},'server':{'ip':'198.18.0.3','port':8080}}";

    private final TestCodecContext context = new TestCodecContext();
    private final ConnectionReportCodec codec = new ConnectionReportCodec();

    private ConnectionReport decode(String singleQuoted) {
        return codec.decode(context.object(singleQuoted), context);
    }

    @Test
    public void encodesExactlyAndRoundTrips() {
        ConnectionReport report = ConnectionReport.of("proxy1", ImmutableList.of(tuple(40001), tuple(40002)),
                                                      ImmutableList.of(tuple(40000)));
        String expected = json("{'proxy':'proxy1','opened':[" + String.format(TUPLE, 40001) + ","
                                       + String.format(TUPLE, 40002) + "],'closed':["
                                       + String.format(TUPLE, 40000) + "]}");
        assertEquals(expected, codec.encode(report, context).toString());
        ConnectionReport decoded = codec.decode(codec.encode(report, context), context);
        assertEquals(report.proxy(), decoded.proxy());
        assertEquals(report.opened(), decoded.opened());
        assertEquals(report.closed(), decoded.closed());
    }

    @Test
    public void absentListsAreEmpty() {
        ConnectionReport report = decode("{'proxy':'proxy1','closed':null}");
        assertTrue(report.opened().isEmpty());
        assertTrue(report.closed().isEmpty());
    }

    @Test
    public void namesTheElementAndField() {
        assertInvalid("proxy: is required", () -> decode("{'opened':[]}"));
        assertInvalid("opened: must be an array, not {}", () -> decode("{'proxy':'p','opened':{}}"));
        assertInvalid("closed[0]: must be an object, not 7", () -> decode("{'proxy':'p','closed':[7]}"));
        assertInvalid("opened[1].client.port: 0 is not in 1..65535",
                      () -> decode("{'proxy':'p','opened':[" + String.format(TUPLE, 1) + ","
                                           + String.format(TUPLE, 0) + "]}"));
        assertInvalid("closed[0].server: is required",
                      () -> decode("{'proxy':'p','closed':[{'client':{'ip':'1.1.1.1','port':1},"
                                           + "'vip':{'ip':'1.1.1.2','port':2},'proxyAddress':{'ip':'1.1.1.3','port':3}}]}"));
    }
}
