package org.tcpbypass.proxy.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.tcpbypass.proxy.Metrics;
import org.tcpbypass.proxy.ProxyConfig;
import org.tcpbypass.proxy.linux.TcpSocket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.tcpbypass.proxy.relay.RelayTesting.awaitTrue;

/**
 * A drain at its deadline, on loopback: the hand-off's last look ({@link Relay#settleDrain}) completes a drain that
 * finished while the worker was busy, and cancels one that did not, relaying on.
 */
public class RelayDrainTest {
    /** What the client sends: far more than the backend's small receive window takes unread. */
    private static final int SENT = 64 * 1024;

    private RelayWorker worker;
    private SocketChannel client;
    private SocketChannel backend;
    private SocketChannel proxyServerLeg;
    private Relay relay;

    @Before
    public void relay() throws Exception {
        TcpSocket.checkAccess();
        ProxyConfig config = ProxyConfig.parse(new ObjectMapper().readTree(
                "{\"listeners\": [{\"listen\": \"127.0.0.1:1\", \"backends\": [\"127.0.0.1:2\"]}]}"));
        worker = new RelayWorker("relay-drain-test", RelayTesting.NO_EVENTS, new Metrics());
        worker.start();
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
        try (ServerSocketChannel vip = ServerSocketChannel.open().bind(loopback);
             ServerSocketChannel server = ServerSocketChannel.open()) {
            // A small receive window: what the backend does not read stays in the proxy's send queue, unacknowledged.
            server.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            server.bind(loopback);
            client = SocketChannel.open(vip.getLocalAddress());
            SocketChannel proxyClientLeg = vip.accept();
            proxyServerLeg = SocketChannel.open();
            // Room for all of it: nothing stays in the relay's own buffer.
            proxyServerLeg.setOption(StandardSocketOptions.SO_SNDBUF, 4 * SENT);
            proxyServerLeg.connect(server.getLocalAddress());
            backend = server.accept();
            proxyClientLeg.configureBlocking(false);
            proxyServerLeg.configureBlocking(false);
            relay = new Relay(worker, config.listeners.get(0), proxyClientLeg, proxyServerLeg,
                              (InetSocketAddress) server.getLocalAddress(), 1 << 20, false, mss -> { });
        }
        worker.call(() -> {
            relay.register();
            return null;
        }).get(5, TimeUnit.SECONDS);
        assertEquals(Relay.State.RELAYING, relay.state());
        ByteBuffer payload = ByteBuffer.allocate(SENT);
        while (payload.hasRemaining()) {
            client.write(payload);
        }
        // Everything left the proxy's buffers for its server leg's send queue, where the closed window holds it.
        awaitTrue("all sent bytes in the proxy's server leg or at the backend",
                  () -> TcpSocket.of(proxyServerLeg).outputQueued() + TcpSocket.of(backend).inputQueued() == SENT);
        assertThat(TcpSocket.of(proxyServerLeg).outputQueued(), greaterThan(0));
    }

    @After
    public void stop() throws Exception {
        worker.stop();
        client.close();
        backend.close();
    }

    @Test
    public void aDrainThatFinishedWhileTheWorkerWasBusyCompletesAtTheDeadline() throws Exception {
        CompletableFuture<Void> drained = worker.call(() -> relay.drain(false)).get(5, TimeUnit.SECONDS);
        assertFalse("unacknowledged bytes hold the drain", drained.isDone());
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        worker.execute(() -> {
            busy.countDown();
            try {
                go.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        // Queued behind the busy task, ahead of the drain's own recheck: the deadline's look is the first one.
        CompletableFuture<String> settled = worker.call(relay::settleDrain);
        assertTrue(busy.await(5, TimeUnit.SECONDS));
        readAll(backend, SENT);
        awaitTrue("the backend acknowledged everything", () -> TcpSocket.of(proxyServerLeg).outputQueued() == 0);
        assertFalse("the worker has not looked yet", drained.isDone());
        go.countDown();
        settled.get(5, TimeUnit.SECONDS);
        assertTrue(drained.isDone());
        assertFalse("drained, not cancelled", drained.isCompletedExceptionally());
        assertEquals(Relay.State.RELAYING, relay.state());
    }

    @Test
    public void aDrainStillWaitingAtTheDeadlineIsCancelledAndRelayingGoesOn() throws Exception {
        CompletableFuture<Void> drained = worker.call(() -> relay.drain(false)).get(5, TimeUnit.SECONDS);
        String left = worker.call(relay::settleDrain).get(5, TimeUnit.SECONDS);
        assertTrue("the backend's closed window holds the bytes: " + left,
                   left.matches(".*server leg 0 unread \\(receive memory 0\\), [1-9][0-9]* unacknowledged.*"));
        assertTrue(drained.isCompletedExceptionally());
        // The closed window puts the server leg in persist mode: each unanswered window probe doubles its timer.
        awaitTrue("the server leg's probe timer backs off", () -> TcpSocket.of(proxyServerLeg).info().backoff > 0);
        assertThat(TcpSocket.of(proxyServerLeg).info().rtoMicros, greaterThanOrEqualTo(200_000));
        try {
            drained.get();
            fail("a cancelled drain completes exceptionally");
        } catch (ExecutionException e) {
            assertThat(e.getCause().getMessage(), containsString("drain cancelled"));
        }
        client.write(ByteBuffer.allocate(1000));
        readAll(backend, SENT + 1000);
        assertEquals(Relay.State.RELAYING, relay.state());
    }

    private static void readAll(SocketChannel c, int bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(bytes);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) {
                throw new IOException("closed after " + b.position() + " bytes");
            }
        }
    }
}
