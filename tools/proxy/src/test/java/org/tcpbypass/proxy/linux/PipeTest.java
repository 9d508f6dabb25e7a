package org.tcpbypass.proxy.linux;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Random;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/** splice(2) through a pipe between two real TCP connections on loopback: order, counts, full, EOF, errors. */
public class PipeTest {
    private ServerSocketChannel listener;
    private SocketChannel sender;
    private SocketChannel in;
    private SocketChannel out;
    private SocketChannel receiver;

    @Before
    public void connect() throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        sender = SocketChannel.open(listener.getLocalAddress());
        in = listener.accept();
        out = SocketChannel.open(listener.getLocalAddress());
        receiver = listener.accept();
        in.configureBlocking(false);
        out.configureBlocking(false);
    }

    @After
    public void close() throws IOException {
        for (java.nio.channels.Channel c : new java.nio.channels.Channel[] {sender, in, out, receiver, listener}) {
            c.close();
        }
    }

    @Test
    public void movesEveryByteInOrderAndCountsWhatItHolds() throws IOException {
        byte[] data = new byte[1 << 20];
        new Random(7).nextBytes(data);
        ByteBuffer received = ByteBuffer.allocate(data.length);
        Thread writer = new Thread(() -> {
            try {
                sender.write(ByteBuffer.wrap(data));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writer.start();
        int inFd = TcpSocket.of(in).fd();
        int outFd = TcpSocket.of(out).fd();
        receiver.configureBlocking(false);
        long moved = 0;
        try (Pipe pipe = Pipe.open(65536)) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (received.hasRemaining()) {
                assertTrue("stalled after " + received.position() + " bytes", System.nanoTime() < deadline);
                long n = pipe.fill(inFd);
                assertTrue(n >= 0);
                moved += n;
                long queuedBefore = pipe.queued();
                long f = pipe.flush(outFd);
                assertEquals(queuedBefore - f, pipe.queued());
                receiver.read(received);
            }
            assertEquals(0, pipe.queued());
        }
        assertEquals(data.length, moved);
        assertArrayEquals(data, received.array());
    }

    @Test
    public void fullPipeAndFullSocketMoveNothingAndLoseNothing() throws IOException {
        // The receiver reads nothing: the out socket's buffers fill, then the pipe does, then splices move 0.
        out.setOption(StandardSocketOptions.SO_SNDBUF, 4096);
        byte[] chunk = new byte[64 * 1024];
        sender.configureBlocking(false);
        try (Pipe pipe = Pipe.open(4096)) {
            int inFd = TcpSocket.of(in).fd();
            int outFd = TcpSocket.of(out).fd();
            long sent = 0;
            long filled = 0;
            long flushed = 0;
            boolean stuck = false;
            for (int round = 0; round < 2000 && !stuck; round++) {
                sent += sender.write(ByteBuffer.wrap(chunk));
                long n = pipe.fill(inFd);
                long f = pipe.flush(outFd);
                filled += n;
                flushed += f;
                stuck = n == 0 && f == 0 && pipe.queued() > 0;
            }
            assertTrue("the pipe and the out socket filled up", stuck);
            assertEquals(filled - flushed, pipe.queued());
            assertEquals(0, pipe.fill(inFd));
            assertEquals(0, pipe.flush(outFd));
            // What was accepted is all there: the receiver gets exactly the flushed bytes, the rest stays queued.
            receiver.configureBlocking(false);
            ByteBuffer b = ByteBuffer.allocate((int) flushed + 1);
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (b.position() < flushed && System.nanoTime() < deadline) {
                receiver.read(b);
            }
            assertEquals(flushed, b.position());
            assertTrue(sent >= filled);
        }
    }

    @Test
    public void endOfStreamIsMinusOne() throws IOException {
        sender.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        sender.shutdownOutput();
        try (Pipe pipe = Pipe.open(65536)) {
            int inFd = TcpSocket.of(in).fd();
            long total = 0;
            long n;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while ((n = pipe.fill(inFd)) >= 0) {
                total += n;
                assertTrue(System.nanoTime() < deadline);
            }
            assertEquals(3, total);
            assertEquals(3, pipe.queued());
        }
    }

    @Test
    public void aResetSocketFailsWithItsErrno() throws IOException {
        sender.setOption(StandardSocketOptions.SO_LINGER, 0);
        sender.close();
        try (Pipe pipe = Pipe.open(4096)) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                pipe.fill(TcpSocket.of(in).fd());
            }
            fail("splice from a reset socket did not fail");
        } catch (IOException e) {
            assertTrue(e.getMessage(), e.getMessage().startsWith("splice from socket: ")
                    && e.getMessage().contains("errno 104"));
        }
    }
}
