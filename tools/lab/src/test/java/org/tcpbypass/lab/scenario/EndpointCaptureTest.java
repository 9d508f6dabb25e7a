package org.tcpbypass.lab.scenario;

import org.junit.Test;

import java.net.InetSocketAddress;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/** What {@link EndpointCapture} reads from tcpdump's lines at the client 10.0.0.1 (lines as tcpdump -nn -tt -S prints). */
public class EndpointCaptureTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("10.0.0.1", 40000);
    private static final InetSocketAddress VIP = new InetSocketAddress("10.0.0.100", 80);
    private static final double DELTA = 1e-9;

    private static String line(String time, String from, String to, String flags, String seq) {
        return time + " IP " + from + " > " + to + ": Flags [" + flags + "], seq " + seq
                + ", ack 1, win 502, options [nop,nop,TS val 1 ecr 2], length 0";
    }

    private static String toClient(String time, String seq) {
        return line(time, "10.0.0.100.80", "10.0.0.1.40000", "P.", seq);
    }

    private static String fromClient(String time, String seq) {
        return line(time, "10.0.0.1.40000", "10.0.0.100.80", "P.", seq);
    }

    @Test
    public void newPayloadArrivalsGiveTheGapsAndASegmentAgainIsNoArrival() {
        String text = String.join("\n",
                line("100.000000", "10.0.0.100.80", "10.0.0.1.40000", "S.", "5000"),
                toClient("100.001000", "5001:6449"),
                toClient("100.002500", "6449:7897"),
                // The same bytes again (a tail-loss probe): not new payload.
                toClient("100.010000", "6449:7897"),
                // Partly new: arrives.
                toClient("100.020000", "7000:9345"),
                toClient("100.020400", "9345:10793"),
                "100.021000 IP 10.0.0.1.40000 > 10.0.0.100.80: Flags [.], ack 10793, win 500, length 0");
        EndpointCapture.Captured c = EndpointCapture.parse(text, "10.0.0.1");

        PayloadArrivals arrivals = c.arrivals(VIP, CLIENT);
        assertTrue(arrivals.any());
        assertEquals("largest gap: 2.5 ms to 20 ms", 17.5, arrivals.largestMillis(), 1e-6);
        assertArrayEquals("the gap across [5 ms, 15 ms]", new double[] {100.0025, 100.020},
                          arrivals.across(100.005, 100.015), DELTA);
        assertArrayEquals("the 1.5 ms gap is the one across [1.2 ms, 1.4 ms]", new double[] {100.001, 100.0025},
                          arrivals.across(100.0012, 100.0014), DELTA);
        assertTrue("received segments are not the endpoint's to send again", c.sentAgain.isEmpty());
        assertFalse("nothing arrived the other way", c.arrivals(CLIENT, VIP).any());
    }

    @Test
    public void aSegmentTheEndpointSendsAgainIsFoundWithItsFirstTransmission() {
        String text = String.join("\n",
                fromClient("200.000000", "1:1449"),
                fromClient("200.001000", "1449:2897"),
                toClient("200.001500", "1:101"),
                fromClient("200.004000", "1449:2897"),
                fromClient("200.005000", "2897:4345"),
                line("200.006000", "10.0.0.1.40000", "10.0.0.100.80", "F.", "4345"),
                line("200.206000", "10.0.0.1.40000", "10.0.0.100.80", "F.", "4345"));
        EndpointCapture.Captured c = EndpointCapture.parse(text, "10.0.0.1");

        assertEquals("the payload sent again and the FIN sent again", 2, c.sentAgain.size());
        EndpointCapture.Retransmission payload = c.sentAgain.get(0);
        assertEquals(200.004, payload.epochSeconds, DELTA);
        assertEquals(200.001, payload.firstSentSeconds, DELTA);
        assertEquals(40000, payload.sourcePort);
        assertEquals(80, payload.destinationPort);
        assertEquals("the connection's segments before it, both ways", 3, payload.before.size());
        assertEquals(200.006, c.sentAgain.get(1).firstSentSeconds, DELTA);
        assertFalse("the endpoint's own payload is no arrival at it", c.arrivals(CLIENT, VIP).any());
        assertTrue(c.arrivals(VIP, CLIENT).any());
    }

    @Test
    public void flowsOfTwoConnectionsAreKeptApart() {
        String text = String.join("\n",
                toClient("300.000000", "1:1449"),
                line("300.001000", "10.0.0.100.80", "10.0.0.1.40001", "P.", "1:1449"),
                toClient("300.009000", "1449:2897"),
                line("300.002000", "10.0.0.100.80", "10.0.0.1.40001", "P.", "1449:2897"));
        EndpointCapture.Captured c = EndpointCapture.parse(text, "10.0.0.1");

        assertEquals(9.0, c.arrivals(VIP, CLIENT).largestMillis(), 1e-6);
        assertEquals(1.0, c.arrivals(VIP, new InetSocketAddress("10.0.0.1", 40001)).largestMillis(), 1e-6);
        assertTrue(c.sentAgain.isEmpty());
    }

    @Test
    public void withoutArrivalsAFlowHasNoGap() {
        PayloadArrivals none = EndpointCapture.parse("", "10.0.0.1").arrivals(VIP, CLIENT);
        assertFalse(none.any());
        assertEquals(0.0, none.largestMillis(), 0.0);
        assertArrayEquals(new double[] {5.0, 5.0}, none.across(5.0, 6.0), 0.0);
    }
}
