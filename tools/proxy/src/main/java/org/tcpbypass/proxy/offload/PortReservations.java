package org.tcpbypass.proxy.offload;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the local port of every handed-off server leg bound while its bypass lives. Closing a socket in repair
 * mode frees its port at once (no TIME_WAIT), so the kernel would give it to the next connect() to the same
 * backend: the same 4-tuple as a connection the switch still translates. A socket bound with bind() makes
 * connect()'s port choice skip that port.
 */
final class PortReservations implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PortReservations.class.getName());
    private final Map<String, SocketChannel> byBypass = new ConcurrentHashMap<>();

    /** Binds {@code local} for bypass {@code id}; a port some connect() took in the meantime is only logged. */
    void reserve(String id, InetSocketAddress local) {
        try {
            SocketChannel holder = SocketChannel.open();
            try {
                holder.bind(local);
            } catch (IOException e) {
                holder.close();
                throw e;
            }
            SocketChannel old = byBypass.put(id, holder);
            if (old != null) {
                old.close();
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot reserve " + local + " for bypass " + id, e);
        }
    }

    /** Frees the ports of every bypass not in {@code live}. */
    void keepOnly(Set<String> live) {
        byBypass.entrySet().removeIf(e -> {
            if (live.contains(e.getKey())) {
                return false;
            }
            close(e.getValue());
            return true;
        });
    }

    /** Reserved ports. */
    int size() {
        return byBypass.size();
    }

    private static void close(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing a port reservation", e);
        }
    }

    @Override
    public void close() {
        byBypass.values().forEach(PortReservations::close);
        byBypass.clear();
    }
}
