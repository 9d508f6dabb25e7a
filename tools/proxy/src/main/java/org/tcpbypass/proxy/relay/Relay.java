package org.tcpbypass.proxy.relay;

import org.tcpbypass.proxy.OffloadPolicy;
import org.tcpbypass.proxy.ProxyConfig;
import org.tcpbypass.proxy.linux.Pipe;
import org.tcpbypass.proxy.linux.TcpSocket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One proxied connection: the client leg (client to VIP) and the server leg (proxy to backend), relayed in
 * both directions by its worker thread. Every method runs on that worker thread.
 */
public final class Relay {
    private static final Logger LOG = Logger.getLogger(Relay.class.getName());
    /** Unsent bytes the kernel may hold per leg (TCP_NOTSENT_LOWAT): little to flush when a hand-off drains. */
    private static final int NOT_SENT_BYTES = 128 * 1024;
    /**
     * A drain waiting for ACKs (no selector event reports them) looks at the legs' queues every quarter of the
     * larger smoothed RTT, within these bounds: an ACK is due about one RTT after the data left, and many
     * hand-offs at once must not poll the CPU away from the relays and the switch when RTTs grow under load.
     */
    private static final long DRAIN_RECHECK_MIN_NANOS = 1_000_000;
    private static final long DRAIN_RECHECK_MAX_NANOS = 10_000_000;
    /**
     * Each direction's pipe (the kernel's default pipe-max-size). It costs a 10 KiB slot array plus the pages in
     * flight, not its size; a pipe of 16 slots (the default) relays a window in many more rounds.
     */
    private static final int PIPE_BYTES = 1 << 20;
    /** Where a relay is in its life. */
    public enum State { CONNECTING, RELAYING, PAUSED, CLOSED, HANDED_OFF }

    private final RelayWorker worker;
    private final ProxyConfig.Listener listener;
    private final SocketChannel client;
    private final SocketChannel server;
    private final Direction toServer;
    private final Direction toClient;
    private final InetSocketAddress clientAddress;
    private final InetSocketAddress vipAddress;
    private final InetSocketAddress serverAddress;
    private final IntConsumer backendMss;
    private InetSocketAddress proxyAddress;
    private SelectionKey clientKey;
    private SelectionKey serverKey;
    // Written on the worker; read by hand-off threads to skip relays that ended while their hand-off waited.
    private volatile State state = State.CONNECTING;
    // Worker thread only: a hand-off uses the sockets; a close meanwhile waits for it.
    private boolean socketsHeld;
    private boolean offloadRequested;
    private long resumedNanos;
    private Drain drain;

    Relay(RelayWorker worker, ProxyConfig.Listener listener, SocketChannel client, SocketChannel server,
          InetSocketAddress serverAddress, int bufferBytes, boolean splice, IntConsumer backendMss)
            throws IOException {
        this.worker = worker;
        this.backendMss = backendMss;
        this.listener = listener;
        this.client = client;
        this.server = server;
        this.clientAddress = (InetSocketAddress) client.getRemoteAddress();
        this.vipAddress = (InetSocketAddress) client.getLocalAddress();
        this.serverAddress = serverAddress;
        boolean tls = listener.offload == OffloadPolicy.TLS;
        this.toServer = new Direction(client, server, bufferBytes, tls, splice);
        try {
            this.toClient = new Direction(server, client, bufferBytes, tls, splice);
        } catch (IOException e) {
            toServer.close();
            throw e;
        }
        TcpSocket.of(client).relaySettings(NOT_SENT_BYTES);
        TcpSocket.of(server).relaySettings(NOT_SENT_BYTES);
    }

    void register() {
        try {
            boolean connected = server.isConnected();
            clientKey = client.register(worker.selector(), 0, this);
            serverKey = server.register(worker.selector(), connected ? 0 : SelectionKey.OP_CONNECT, this);
            if (connected) {
                connected();
            }
        } catch (IOException e) {
            abort();
        }
    }

    /** Handles readiness of either channel. */
    void ready(SelectionKey key) {
        try {
            if (key == serverKey && state == State.CONNECTING && key.isConnectable()) {
                if (!server.finishConnect()) {
                    return;
                }
                connected();
            } else {
                // Only the directions this readiness concerns: a splice or read on a quiet leg is a wasted call.
                int ops = key.readyOps();
                boolean readable = (ops & SelectionKey.OP_READ) != 0;
                boolean writable = (ops & SelectionKey.OP_WRITE) != 0;
                boolean clientSide = key == clientKey;
                pump(clientSide ? readable : writable, clientSide ? writable : readable);
            }
        } catch (IOException e) {
            abort();
        }
    }

    private void connected() throws IOException {
        proxyAddress = (InetSocketAddress) server.getLocalAddress();
        TcpSocket.TcpInfo info = TcpSocket.of(server).info();
        backendMss.accept(info.peerMss());
        state = State.RELAYING;
        worker.events().opened(this);
        pump();
    }

    private void pump() throws IOException {
        pump(true, true);
    }

    /** Moves the directions named, then acts on what changed; every other path moves both. */
    private void pump(boolean towardServer, boolean towardClient) throws IOException {
        if (state != State.RELAYING) {
            return;
        }
        long moved = (towardServer ? toServer.move() : 0) + (towardClient ? toClient.move() : 0);
        if (moved > 0) {
            worker.events().relayed(moved);
            if (resumedNanos != 0) {
                worker.metrics().fallbackStall(System.nanoTime() - resumedNanos);
                resumedNanos = 0;
            }
        }
        if (toServer.finished() && toClient.finished()) {
            close();
            return;
        }
        checkPolicy();
        updateInterest();
        if (drain != null) {
            checkDrain();
        }
    }

    private void updateInterest() {
        if (!clientKey.isValid() || !serverKey.isValid()) {
            return;
        }
        clientKey.interestOps((toServer.wantsRead() ? SelectionKey.OP_READ : 0)
                                      | (toClient.wantsWrite() ? SelectionKey.OP_WRITE : 0));
        serverKey.interestOps((toClient.wantsRead() ? SelectionKey.OP_READ : 0)
                                      | (toServer.wantsWrite() ? SelectionKey.OP_WRITE : 0));
    }

    private void checkPolicy() {
        if (offloadRequested || state != State.RELAYING || toServer.eof || toClient.eof) {
            return;
        }
        boolean due;
        switch (listener.offload) {
            case HANDSHAKE:
                due = true;
                break;
            case FIRST_EXCHANGE:
                due = toServer.bytes > 0 && toClient.bytes > 0;
                break;
            case BYTES:
                due = toServer.bytes + toClient.bytes >= listener.offloadBytes;
                break;
            case TLS:
                due = toServer.tls.sawApplicationData() && toClient.tls.sawApplicationData();
                break;
            default:
                due = false;
        }
        if (due) {
            offloadRequested = true;
            worker.events().offloadDue(this);
        }
    }

    /**
     * Waits until everything buffered has been relayed and both legs' queues are empty (nothing unread, nothing held
     * above a hole, nothing unacknowledged), neither leg having seen its peer's FIN; then, with {@code pause},
     * relaying pauses. Checked on every relay event and, while ACKs are awaited, every quarter RTT (1 to 10 ms) on
     * this worker.
     *
     * @return completes when drained; fails when a leg is half-closed or the relay stops relaying
     */
    public CompletableFuture<Void> drain(boolean pause) {
        if (drain != null) {
            drain.done.completeExceptionally(new IOException("superseded by another drain"));
        }
        drain = new Drain(pause);
        CompletableFuture<Void> done = drain.done;
        pumpAndCheckDrain();
        return done;
    }

    // Relays what is buffered, which checks the drain; a relay no longer relaying fails it.
    private void pumpAndCheckDrain() {
        try {
            pump();
            if (drain != null && state != State.RELAYING) {
                checkDrain();
            }
        } catch (IOException e) {
            abort();
        }
    }

    /**
     * Stops waiting for a drain (it completes exceptionally); relaying goes on.
     *
     * @return what was still to drain, for the log
     */
    public String cancelDrain() {
        if (drain != null) {
            drain.done.completeExceptionally(new IOException("drain cancelled"));
            drain = null;
        }
        return drainState();
    }

    /**
     * Ends a drain at its deadline: relays what is buffered and looks at the legs once more, as this worker would at
     * its next event or recheck (under load these run late, and a drain finished by then must not be postponed),
     * then cancels the drain unless that completed it.
     *
     * @return what was still to drain, for the log
     */
    public String settleDrain() {
        if (drain != null) {
            pumpAndCheckDrain();
        }
        return cancelDrain();
    }

    /**
     * Checks a drain in progress now rather than at its next recheck (a quarter RTT, up to 10 ms later under load):
     * a hand-off that nudges the peers reads the legs' queues anyway.
     */
    public void checkDrainNow() {
        if (drain != null) {
            checkDrain();
        }
    }

    /** What is still to drain, for the log. */
    public String drainState() {
        try {
            TcpSocket c = TcpSocket.of(client);
            TcpSocket s = TcpSocket.of(server);
            return "buffered " + toServer.pendingBytes() + " to the server, " + toClient.pendingBytes()
                    + " to the client; client leg " + legState(c) + "; server leg " + legState(s);
        } catch (IOException | RuntimeException e) {
            return "legs unreadable: " + e.getMessage();
        }
    }

    // The RTO and its backoff say whether unacknowledged bytes wait on a retransmission timer (a lost segment).
    private static String legState(TcpSocket leg) throws IOException {
        TcpSocket.TcpInfo info = leg.info();
        return leg.inputQueued() + " unread (receive memory " + leg.receiveMemory() + "), " + leg.outputQueued()
                + " unacknowledged (" + leg.notSentQueued() + " not sent; RTO " + info.rtoMicros / 1000 + " ms, backoff "
                + info.backoff + ")";
    }

    private void checkDrain() {
        Drain d = drain;
        try {
            if (state != State.RELAYING) {
                throw new IOException("relay is " + state);
            }
            if (toServer.eof || toClient.eof) {
                throw new IOException("a leg is half-closed");
            }
            TcpSocket c = TcpSocket.of(client);
            TcpSocket s = TcpSocket.of(server);
            c.quickAck();
            s.quickAck();
            if (toServer.pending() || toClient.pending()) {
                return;
            }
            // Receive memory covers what is unread and what waits above a hole (SACKed to the peer): both must go.
            if (c.receiveMemory() != 0 || s.receiveMemory() != 0 || c.outputQueued() != 0 || s.outputQueued() != 0) {
                recheckDrain(Math.max(c.info().rttMicros, s.info().rttMicros));
                return;
            }
        } catch (IOException e) {
            drain = null;
            d.done.completeExceptionally(e);
            return;
        }
        drain = null;
        if (d.pause) {
            state = State.PAUSED;
            clientKey.interestOps(0);
            serverKey.interestOps(0);
        }
        d.done.complete(null);
    }

    private void recheckDrain(long rttMicros) {
        if (drain.recheckArmed) {
            return;
        }
        long delay = Math.max(DRAIN_RECHECK_MIN_NANOS, Math.min(DRAIN_RECHECK_MAX_NANOS, rttMicros * 1000 / 4));
        drain.recheckArmed = true;
        Drain d = drain;
        worker.schedule(() -> {
            d.recheckArmed = false;
            if (drain == d) {
                checkDrain();
            }
        }, delay);
    }

    /** A drain in progress. */
    private static final class Drain {
        final boolean pause;
        final CompletableFuture<Void> done = new CompletableFuture<>();
        boolean recheckArmed;

        Drain(boolean pause) {
            this.pause = pause;
        }
    }

    /** Resumes relaying after {@link #pauseIfDrained()} (the hand-off did not happen). */
    public void resume() {
        if (state != State.PAUSED) {
            return;
        }
        state = State.RELAYING;
        resumedNanos = System.nanoTime();
        try {
            pump();
        } catch (IOException e) {
            abort();
        }
    }

    /** Closes both sockets, which are in repair mode, so neither peer sees FIN or RST. */
    public void closeHandedOff() {
        state = State.HANDED_OFF;
        try {
            // The JDK shuts down the output of a registered channel it closes (a FIN, even in repair mode)
            // unless SO_LINGER is 0; a socket in repair mode then closes silently.
            client.setOption(StandardSocketOptions.SO_LINGER, 0);
            server.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot clear SO_LINGER before closing " + this + " in repair mode", e);
        }
        closeQuietly();
        try {
            // A hand-off reserves the server leg's port right after: it must be free by then.
            worker.releaseClosed();
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot release the sockets of " + this, e);
        }
        worker.events().closed(this);
    }

    /**
     * On the worker: a hand-off starts using the sockets from its own thread, so until {@link #releaseSockets} a
     * close of the relay leaves them open (a closed socket's number could belong to a new connection at once).
     *
     * @return false, and nothing held, unless the relay is relaying
     */
    public boolean holdSockets() {
        if (state != State.RELAYING) {
            return false;
        }
        socketsHeld = true;
        return true;
    }

    /** On the worker, once the hand-off is over: closes the sockets if the relay closed meanwhile. */
    public void releaseSockets() {
        socketsHeld = false;
        // Held only from RELAYING, and only close() makes a relay CLOSED: CLOSED now means that close waited.
        if (state == State.CLOSED) {
            closeQuietly();
            worker.events().closed(this);
        }
    }

    private void close() {
        state = State.CLOSED;
        if (drain != null) {
            drain.done.completeExceptionally(new IOException("relay closed"));
            drain = null;
        }
        if (socketsHeld) {
            // Registered and ready (EOF, reset) the keys would be selected again and again until then.
            if (clientKey != null && clientKey.isValid()) {
                clientKey.interestOps(0);
            }
            if (serverKey != null && serverKey.isValid()) {
                serverKey.interestOps(0);
            }
            return;
        }
        closeQuietly();
        worker.events().closed(this);
    }

    /** Resets both legs, as a proxy does when one of them is reset or fails. */
    public void abort() {
        if (state == State.CLOSED || state == State.HANDED_OFF) {
            return;
        }
        try {
            client.setOption(StandardSocketOptions.SO_LINGER, 0);
            server.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "a channel of " + this + " is already closed", e);
        }
        close();
    }

    private void closeQuietly() {
        toServer.close();
        toClient.close();
        for (SocketChannel c : new SocketChannel[] {client, server}) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.log(Level.FINE, "closing " + this, e);
            }
        }
    }

    /** Current state. */
    public State state() {
        return state;
    }

    /** The listener this connection came in on. */
    public ProxyConfig.Listener listener() {
        return listener;
    }

    /** The client leg's socket. */
    public SocketChannel clientChannel() {
        return client;
    }

    /** The server leg's socket. */
    public SocketChannel serverChannel() {
        return server;
    }

    /** The client's address. */
    public InetSocketAddress client() {
        return clientAddress;
    }

    /** The address the client connected to. */
    public InetSocketAddress vip() {
        return vipAddress;
    }

    /** The proxy's address on the server leg (known once connected). */
    public InetSocketAddress proxyAddress() {
        return proxyAddress;
    }

    /** The backend's address. */
    public InetSocketAddress server() {
        return serverAddress;
    }

    /**
     * When payload from the client was last read (or the relay was set up, before any): the peer's TSvals the
     * proxy accepted were stamped no later than this, give or take the time data waited unread.
     */
    public long lastReadFromClientNanos() {
        return toServer.lastReadNanos;
    }

    /** When payload from the server was last read (or the relay was set up, before any). */
    public long lastReadFromServerNanos() {
        return toClient.lastReadNanos;
    }

    /** The worker thread that owns this relay. */
    public RelayWorker worker() {
        return worker;
    }

    @Override
    public String toString() {
        return clientAddress + " -> " + vipAddress + " | " + proxyAddress + " -> " + serverAddress;
    }

    /**
     * One direction: bytes read from one leg and written to the other, spliced through a kernel pipe or, while
     * TLS records are followed (or splicing is off), copied through a buffer in the JVM.
     */
    private static final class Direction {
        private final SocketChannel from;
        private final SocketChannel to;
        private final int fromFd;
        private final int toFd;
        private final TlsRecords tls;
        private ByteBuffer buffer;
        private final Pipe pipe;
        // The last splice into a non-empty pipe moved nothing: its slots may be full, so reading waits for a flush.
        private boolean pipeFull;
        private boolean eof;
        private boolean shutdown;
        private long bytes;
        private long lastReadNanos = System.nanoTime();

        Direction(SocketChannel from, SocketChannel to, int size, boolean followTls, boolean splice)
                throws IOException {
            this.from = from;
            this.to = to;
            this.fromFd = TcpSocket.of(from).fd();
            this.toFd = TcpSocket.of(to).fd();
            this.tls = followTls ? new TlsRecords() : null;
            this.pipe = splice ? Pipe.open(PIPE_BYTES) : null;
            this.buffer = !splice || followTls ? ByteBuffer.allocateDirect(size) : null;
        }

        /** Reads what fits, writes what the other leg takes; returns bytes read. */
        long move() throws IOException {
            // The TLS policy needs the bytes only until application data shows; then the pipe takes over, once
            // the buffer is empty so that the order of bytes holds.
            if (buffer != null && pipe != null && buffer.position() == 0 && tls.sawApplicationData()) {
                buffer = null;
            }
            long read = buffer != null ? copy() : splice();
            if (eof && !pending() && !shutdown) {
                shutdown = true;
                to.shutdownOutput();
            }
            return read;
        }

        private long copy() throws IOException {
            long read = 0;
            if (!eof && buffer.hasRemaining()) {
                int start = buffer.position();
                int n = from.read(buffer);
                if (n < 0) {
                    eof = true;
                } else if (n > 0) {
                    read = counted(n);
                    if (tls != null) {
                        tls.feed(buffer.duplicate().position(start).limit(start + n));
                    }
                }
            }
            if (buffer.position() > 0) {
                buffer.flip();
                to.write(buffer);
                buffer.compact();
            }
            return read;
        }

        private long splice() throws IOException {
            long read = 0;
            if (!eof && !pipeFull) {
                long n = pipe.fill(fromFd);
                if (n < 0) {
                    eof = true;
                } else if (n > 0) {
                    read = counted(n);
                } else if (pipe.queued() > 0) {
                    pipeFull = true;
                }
            }
            if (pipe.queued() > 0 && pipe.flush(toFd) > 0) {
                pipeFull = false;
            }
            return read;
        }

        private long counted(long n) {
            bytes += n;
            lastReadNanos = System.nanoTime();
            return n;
        }

        /** Bytes read from one leg and not yet written to the other. */
        long pendingBytes() {
            return (buffer != null ? buffer.position() : 0) + (pipe != null ? pipe.queued() : 0);
        }

        boolean pending() {
            return pendingBytes() > 0;
        }

        boolean wantsRead() {
            return !eof && (buffer != null ? buffer.hasRemaining() : !pipeFull);
        }

        boolean wantsWrite() {
            return pending();
        }

        boolean finished() {
            return eof && shutdown;
        }

        void close() {
            if (pipe != null) {
                pipe.close();
            }
        }
    }
}
