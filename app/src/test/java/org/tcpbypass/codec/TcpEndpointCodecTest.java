package org.tcpbypass.codec;

import org.junit.Test;
import org.tcpbypass.api.TcpEndpoint;

import static org.junit.Assert.assertEquals;
import static org.tcpbypass.codec.BypassFixtures.endpoint;
import static org.tcpbypass.codec.CodecAssertions.assertInvalid;
import static org.tcpbypass.codec.TestCodecContext.json;

/**
 * Tests the endpoint codec.
 */
public class TcpEndpointCodecTest {

    private final TestCodecContext context = new TestCodecContext();
    private final TcpEndpointCodec codec = new TcpEndpointCodec();

    private TcpEndpoint decode(String singleQuoted) {
        return codec.decode(context.object(singleQuoted), context);
    }

    @Test
    public void encodesExactly() {
        assertEquals(json("{'ip':'198.18.0.1','port':40000}"),
                     codec.encode(endpoint("198.18.0.1", 40000), context).toString());
    }

    @Test
    public void roundTripsPortLimits() {
        for (int port : new int[]{1, 65535}) {
            TcpEndpoint endpoint = endpoint("255.255.255.255", port);
            assertEquals(endpoint, codec.decode(codec.encode(endpoint, context), context));
        }
    }

    @Test
    public void rejectsMissingOrMistypedFields() {
        assertInvalid("ip: is required", () -> decode("{'port':80}"));
        assertInvalid("ip: is required", () -> decode("{'ip':null,'port':80}"));
        assertInvalid("ip: must be a string, not 17", () -> decode("{'ip':17,'port':80}"));
        assertInvalid("port: is required", () -> decode("{'ip':'10.0.0.1'}"));
        assertInvalid("port: must be an integer, not \"80\"", () -> decode("{'ip':'10.0.0.1','port':'80'}"));
        assertInvalid("port: must be an integer, not 80.5", () -> decode("{'ip':'10.0.0.1','port':80.5}"));
        assertInvalid("port: must be an integer, not 100.0", () -> decode("{'ip':'10.0.0.1','port':1e2}"));
        assertInvalid("port: must be an integer, not true", () -> decode("{'ip':'10.0.0.1','port':true}"));
    }

    @Test
    public void rejectsPortsOutOfRange() {
        assertInvalid("port: 0 is not in 1..65535", () -> decode("{'ip':'10.0.0.1','port':0}"));
        assertInvalid("port: 65536 is not in 1..65535", () -> decode("{'ip':'10.0.0.1','port':65536}"));
        assertInvalid("port: -1 is not in 1..65535", () -> decode("{'ip':'10.0.0.1','port':-1}"));
        assertInvalid("port: 99999999999999999999999 is not in 1..65535",
                      () -> decode("{'ip':'10.0.0.1','port':99999999999999999999999}"));
    }

    @Test
    public void rejectsWhatIsNotADottedQuad() {
        for (String ip : new String[]{"10.0.0.256", "10.0.0", "010.0.0.1", "::1", "::ffff:10.0.0.1", "", "host"}) {
            String expected = ip.isEmpty() ? "ip: must not be empty" : "ip: '" + ip + "' is not an IPv4 address";
            assertInvalid(expected, () -> decode("{'ip':'" + ip + "','port':80}"));
        }
    }
}
