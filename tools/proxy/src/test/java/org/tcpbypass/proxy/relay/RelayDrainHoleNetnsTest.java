package org.tcpbypass.proxy.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.tcpbypass.proxy.Metrics;
import org.tcpbypass.proxy.Netns;
import org.tcpbypass.proxy.ProxyConfig;
import org.tcpbypass.proxy.linux.TcpSocket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.fail;
import static org.tcpbypass.proxy.relay.RelayTesting.awaitTrue;

/**
 * A drain while a leg holds data above a hole: the proxy's socket has SACKed it to the peer but cannot read it, so
 * a hand-off then would leave the bytes nowhere. The drain waits until the peer fills the hole and the relay
 * delivers everything. Real Linux TCP on a namespace's loopback; an nftables rule drops the segment that would
 * fill the hole (and its retransmissions) until the test lifts it.
 */
public class RelayDrainHoleNetnsTest {
    /** The segment lost: a size no other segment of the test has, so the rule drops only it and its copies. */
    private static final int HOLE = 1111;
    /** What follows it: received, SACKed, unreadable until the hole is filled. */
    private static final int ABOVE = 5000;
    /** IPv4 20 + TCP 20 + timestamps 12 (Linux's default on loopback) + the hole. */
    private static final int HOLE_IP_LENGTH = 20 + 32 + HOLE;
    private static final String TABLE = "tcpbypass_hole_test";

    private Netns ns;
    private RelayWorker worker;
    private SocketChannel client;
    private SocketChannel backend;
    private SocketChannel proxyClientLeg;
    private Relay relay;

    @Before
    public void relay() throws Exception {
        Netns.assumeAvailable();
        TcpSocket.checkAccess();
        ns = new Netns();
        ProxyConfig config = ProxyConfig.parse(new ObjectMapper().readTree(
                "{\"listeners\": [{\"listen\": \"127.0.0.1:1\", \"backends\": [\"127.0.0.1:2\"]}]}"));
        worker = new RelayWorker("relay-hole-test", RelayTesting.NO_EVENTS, new Metrics());
        worker.start();
        Netns.in(ns.proxy, () -> {
            InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
            try (ServerSocketChannel vip = ServerSocketChannel.open().bind(loopback);
                 ServerSocketChannel server = ServerSocketChannel.open().bind(loopback)) {
                client = SocketChannel.open(vip.getLocalAddress());
                client.setOption(StandardSocketOptions.TCP_NODELAY, true);
                proxyClientLeg = vip.accept();
                SocketChannel proxyServerLeg = SocketChannel.open(server.getLocalAddress());
                backend = server.accept();
                proxyClientLeg.configureBlocking(false);
                proxyServerLeg.configureBlocking(false);
                relay = new Relay(worker, config.listeners.get(0), proxyClientLeg, proxyServerLeg,
                                  (InetSocketAddress) server.getLocalAddress(), 1 << 16, true, mss -> { });
            }
            return null;
        });
        worker.call(() -> {
            relay.register();
            return null;
        }).get(5, TimeUnit.SECONDS);
        assertEquals(Relay.State.RELAYING, relay.state());
    }

    @After
    public void stop() throws Exception {
        if (worker != null) {
            worker.stop();
        }
        for (SocketChannel c : new SocketChannel[] {client, backend}) {
            if (c != null) {
                c.close();
            }
        }
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    public void aDrainWaitsForTheHoleToBeFilledAndDeliversEveryByte() throws Exception {
        int clientPort = ((InetSocketAddress) client.getLocalAddress()).getPort();
        ns.dropInput(TABLE, "tcp sport " + clientPort + " ip length " + HOLE_IP_LENGTH);
        byte[] sent = new byte[HOLE + ABOVE];
        Arrays.fill(sent, 0, HOLE, (byte) 'h');
        Arrays.fill(sent, HOLE, sent.length, (byte) 'a');
        // Two writes, two segments (no Nagle): the first is lost, the second arrives above the hole.
        write(ByteBuffer.wrap(sent, 0, HOLE));
        write(ByteBuffer.wrap(sent, HOLE, ABOVE));
        TcpSocket leg = TcpSocket.of(proxyClientLeg);
        awaitTrue("the proxy's client leg holds data above a hole",
                  () -> leg.inputQueued() == 0 && leg.receiveMemory() > 0);
        CompletableFuture<Void> drained = worker.call(() -> relay.drain(false)).get(5, TimeUnit.SECONDS);
        // The drain's rechecks (a quarter RTT, at least 1 ms) run meanwhile; the peer's retransmissions are dropped.
        Thread.sleep(100);
        assertFalse("data above a hole holds the drain: " + relay.drainState(), drained.isDone());
        assertThat("the hole is still there", leg.receiveMemory(), greaterThan(0));
        TcpSocket sender = TcpSocket.of(client);
        assertThat("Linux's RTO is at least 200 ms", sender.info().rtoMicros, greaterThanOrEqualTo(200_000));
        Netns.exec(ns.proxy, "nft", "delete", "table", "inet", TABLE);
        // The client's next retransmission fills the hole.
        ByteBuffer received = ByteBuffer.allocate(sent.length);
        backend.configureBlocking(false);
        awaitTrue("the backend received every byte", () -> {
            if (backend.read(received) < 0) {
                fail("the backend's leg closed after " + received.position() + " bytes");
            }
            return !received.hasRemaining();
        });
        assertArrayEquals("every byte, in order", sent, received.array());
        drained.get(5, TimeUnit.SECONDS);
        assertFalse("drained, not cancelled", drained.isCompletedExceptionally());
        assertEquals(0, leg.receiveMemory());
        assertEquals(Relay.State.RELAYING, relay.state());
    }

    private void write(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            client.write(b);
        }
    }
}
