package org.tcpbypass.proxy;

import org.junit.Test;
import org.tcpbypass.proxy.linux.HandoffFilter;
import org.tcpbypass.proxy.linux.PacketCapture;
import org.tcpbypass.proxy.linux.RawTcp;
import org.tcpbypass.proxy.linux.Segment;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertThat;

/** The hand-off's nftables sets, changed through netlink in the proxy's namespace. */
public class HandoffFilterNetnsTest {
    private static final String TABLE = "tbp_filter_test";

    private static final HandoffFilter.Flows FLOWS = new HandoffFilter.Flows(
            new InetSocketAddress(Netns.CLIENT_IP, 40000), new InetSocketAddress(Netns.PROXY_CLIENT_SIDE_IP, 8000),
            new InetSocketAddress(Netns.PROXY_SERVER_SIDE_IP, 50000), new InetSocketAddress(Netns.SERVER_IP, 9000));

    /**
     * Also without a refused transaction: the kernel aborts one with an RCU grace period under the nf_tables mutex,
     * and every other hand-off's quiesce, freeze or release waits that long.
     */
    @Test
    public void thawLiftsEverythingWhileAPeerIsLetThrough() throws Exception {
        try (Netns n = new Netns()) {
            long refused = Netns.in(n.proxy, () -> {
                try (HandoffFilter filter = new HandoffFilter(TABLE)) {
                    filter.install();
                    filter.quiesce(FLOWS);
                    filter.freeze(FLOWS);
                    // The server's peer let through: its leg's quiesce element is gone when the hand-off falls back.
                    filter.quiesce(FLOWS, 1, false);
                    filter.thaw(FLOWS, true);
                    return filter.refusedTransactions();
                }
            });
            assertThat("no quiesce entry left", n.nftSet(TABLE, "quiesced"), not(containsString("elements")));
            assertThat("no freeze entry left", n.nftSet(TABLE, "frozen"), not(containsString("elements")));
            assertEquals("transactions the kernel refused", 0, refused);
        }
    }

    /**
     * The quiesce rewrites the window of the proxy's own segments of a quiesced flow to 0, but not that of the
     * segments the hand-off crafts (marked): a handed-off connection's reopening ACKs carry their window while its
     * sockets, closed only after them, still say 0.
     */
    @Test
    public void aQuiescedFlowsOwnSegmentsSayWindowZeroItsCraftedOnesKeepTheirs() throws Exception {
        try (Netns n = new Netns()) {
            InetSocketAddress server = new InetSocketAddress(Netns.SERVER_IP, 9000);
            try (ServerSocket listener = Netns.in(n.server, () -> new ServerSocket(9000, 1, server.getAddress()));
                 Socket leg = Netns.in(n.proxy, () -> new Socket(server.getAddress(), server.getPort()));
                 Socket peer = listener.accept()) {
                InetSocketAddress local = (InetSocketAddress) leg.getLocalSocketAddress();
                HandoffFilter.Flows f = new HandoffFilter.Flows(new InetSocketAddress(Netns.CLIENT_IP, 40000),
                        new InetSocketAddress(Netns.PROXY_CLIENT_SIDE_IP, 8000), local, server);
                try (PacketCapture capture = Netns.in(n.server, () -> PacketCapture.ofFlows(List.of(local, server)));
                     HandoffFilter filter = Netns.in(n.proxy, () -> new HandoffFilter(TABLE));
                     RawTcp raw = Netns.in(n.proxy, RawTcp::new)) {
                    Netns.in(n.proxy, () -> {
                        filter.install();
                        filter.quiesce(f);
                        return null;
                    });
                    peer.getOutputStream().write(new byte[100]);
                    Segment ack = next(capture);
                    assertEquals("the leg's ACK of the peer's bytes: " + ack, 0, ack.window);
                    raw.sendAck(local, server, ack.seq, ack.ack, 77, -1, 0);
                    Segment crafted = next(capture);
                    assertEquals("the crafted ACK: " + crafted, 77, crafted.window);
                }
            }
        }
    }

    /** The next segment the capture shows within 5 s. */
    private static Segment next(PacketCapture capture) throws Exception {
        Segment seg = capture.next(TimeUnit.SECONDS.toNanos(5));
        assertNotNull("a segment within 5 s", seg);
        return seg;
    }
}
