package org.tcpbypass.proxy.linux;

import org.junit.Test;

import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.List;

import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

/** The hand-off's capture on loopback: what it passes and how long it waits. */
public class PacketCaptureTest {
    private static final int CAP_NET_RAW = 13;

    @Test
    public void returnsAFlowsSegmentAtOnce() throws Exception {
        assumeTrue("needs CAP_NET_RAW", Capabilities.effective(CAP_NET_RAW));
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress to = (InetSocketAddress) server.getLocalAddress();
            try (PacketCapture capture = new PacketCapture(List.of(to), false);
                 SocketChannel client = SocketChannel.open(to)) {
                long start = System.nanoTime();
                Segment syn = capture.next(1_000_000_000L);
                assertNotNull("the SYN", syn);
                assertTrue(syn.destination.equals(to) && (syn.flags & Segment.SYN) != 0);
                assertEquals(client.getLocalAddress(), syn.source);
                assertThat("not held until the timeout", System.nanoTime() - start, lessThan(500_000_000L));
            }
        }
    }

    @Test
    public void waitsItsTimeoutNotASchedulerTick() throws Exception {
        assumeTrue("needs CAP_NET_RAW", Capabilities.effective(CAP_NET_RAW));
        InetSocketAddress a = new InetSocketAddress("192.0.2.1", 1);
        InetSocketAddress b = new InetSocketAddress("192.0.2.2", 2);
        try (PacketCapture capture = PacketCapture.ofFlows(List.of(a, b))) {
            long[] waited = new long[11];
            for (int i = 0; i < waited.length; i++) {
                long start = System.nanoTime();
                assertNull("no segment of that flow", capture.next(5_000_000));
                waited[i] = System.nanoTime() - start;
                assertThat("never shorter", waited[i], greaterThanOrEqualTo(5_000_000L));
            }
            Arrays.sort(waited);
            // SO_RCVTIMEO, rounded to scheduler ticks, waited 12 ms for 5 at 250 Hz.
            assertThat("median wait", waited[waited.length / 2], lessThan(9_000_000L));
        }
    }
}
