package org.tcpbypass.proxy.relay;

import org.tcpbypass.proxy.Metrics;
import org.tcpbypass.proxy.ProxyConfig;
import org.tcpbypass.proxy.linux.TcpSocket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The listeners and the worker threads that relay their connections. */
public final class RelayServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RelayServer.class.getName());
    private final ProxyConfig config;
    private final List<RelayWorker> workers = new ArrayList<>();
    private final List<ServerSocketChannel> listening = new ArrayList<>();
    private final AtomicInteger nextWorker = new AtomicInteger();

    /** Binds every listener (all or nothing) and starts the workers. */
    public RelayServer(ProxyConfig config, RelayEvents events, Metrics metrics) throws IOException {
        this.config = config;
        try {
            for (ProxyConfig.Listener l : config.listeners) {
                ServerSocketChannel ssc = ServerSocketChannel.open();
                listening.add(ssc);
                ssc.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                try {
                    ssc.bind(l.listen, 4096);
                } catch (IOException e) {
                    throw new IOException("cannot listen on " + l.listen + ": " + e.getMessage(), e);
                }
                ssc.configureBlocking(false);
            }
            for (int i = 0; i < config.threads; i++) {
                workers.add(new RelayWorker("relay-" + i, events, metrics));
            }
        } catch (IOException e) {
            close();
            throw e;
        }
        RelayWorker acceptor = workers.get(0);
        for (int i = 0; i < listening.size(); i++) {
            ServerSocketChannel ssc = listening.get(i);
            Backends backends = new Backends(config.listeners.get(i), ssc);
            ssc.register(acceptor.selector(), SelectionKey.OP_ACCEPT,
                         (Runnable) () -> accept(ssc, backends));
        }
        workers.forEach(RelayWorker::start);
    }

    /** The listening socket of listener {@code i}. */
    public ServerSocketChannel listening(int i) {
        return listening.get(i);
    }

    private void accept(ServerSocketChannel ssc, Backends backends) {
        for (int i = 0; i < 64; i++) {
            SocketChannel client;
            try {
                client = ssc.accept();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "accept failed", e);
                return;
            }
            if (client == null) {
                return;
            }
            RelayWorker w = workers.get(Math.floorMod(nextWorker.getAndIncrement(), workers.size()));
            InetSocketAddress backend = backends.next();
            w.execute(() -> start(w, backends, client, backend));
        }
    }

    private void start(RelayWorker w, Backends backends, SocketChannel client, InetSocketAddress backend) {
        ProxyConfig.Listener l = backends.listener();
        SocketChannel server = null;
        try {
            client.configureBlocking(false);
            client.setOption(StandardSocketOptions.TCP_NODELAY, true);
            server = SocketChannel.open();
            server.configureBlocking(false);
            server.setOption(StandardSocketOptions.TCP_NODELAY, true);
            // The server leg announces the client's MSS: after a bypass the server's segments must fit the
            // client's path.
            TcpSocket.of(server).setMaxSegment(TcpSocket.of(client).info().peerMss());
            Relay relay = new Relay(w, l, client, server, backend, config.bufferBytes,
                                    config.splice, backends::mssSeen);
            server.connect(backend);
            relay.register();
        } catch (IOException e) {
            LOG.log(Level.FINE, "cannot relay " + client, e);
            closeQuietly(client);
            closeQuietly(server);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "close", e);
        }
    }

    @Override
    public void close() {
        for (ServerSocketChannel ssc : listening) {
            try {
                ssc.close();
            } catch (IOException e) {
                LOG.log(Level.FINE, "close listener", e);
            }
        }
        for (RelayWorker w : workers) {
            try {
                w.stop();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Backend choice for one listener, and the smallest MSS its backends announced, which the listener then
     * announces to later clients (TCP_MAXSEG on the listening socket) so both legs of a bypass agree.
     */
    private static final class Backends {
        private final ProxyConfig.Listener listener;
        private final ServerSocketChannel socket;
        private int next;
        private int mss = Integer.MAX_VALUE;

        Backends(ProxyConfig.Listener listener, ServerSocketChannel socket) {
            this.listener = listener;
            this.socket = socket;
        }

        synchronized void mssSeen(int backendMss) {
            if (backendMss <= 0 || backendMss >= mss) {
                return;
            }
            mss = backendMss;
            try {
                TcpSocket.of(socket).setMaxSegment(backendMss);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "cannot announce MSS " + backendMss + " on " + listener.listen, e);
            }
        }

        ProxyConfig.Listener listener() {
            return listener;
        }

        InetSocketAddress next() {
            List<InetSocketAddress> b = listener.backends;
            return listener.roundRobin ? b.get(Math.floorMod(next++, b.size())) : b.get(0);
        }
    }
}
