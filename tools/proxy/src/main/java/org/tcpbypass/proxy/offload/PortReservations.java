package org.tcpbypass.proxy.offload;

import org.tcpbypass.proxy.linux.HandoffFilter;

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
 * connect()'s port choice skip that port. When the bypass ends the port is freed and the hand-off's drop of
 * stragglers on both legs is lifted, so a new connection on either 4-tuple is not dropped.
 */
final class PortReservations implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PortReservations.class.getName());
    private final Map<String, Reservation> byBypass = new ConcurrentHashMap<>();
    private final HandoffFilter filter;

    PortReservations(HandoffFilter filter) {
        this.filter = filter;
    }

    /** A bound port and the flows of the bypass it belongs to. */
    private static final class Reservation {
        final SocketChannel holder;
        final HandoffFilter.Flows flows;

        Reservation(SocketChannel holder, HandoffFilter.Flows flows) {
            this.holder = holder;
            this.flows = flows;
        }
    }

    /** Binds {@code local} for bypass {@code id}; a port some connect() took in the meantime is only logged. */
    void reserve(String id, InetSocketAddress local, HandoffFilter.Flows flows) {
        try {
            SocketChannel holder = SocketChannel.open();
            try {
                holder.bind(local);
            } catch (IOException e) {
                holder.close();
                throw e;
            }
            Reservation old = byBypass.put(id, new Reservation(holder, flows));
            if (old != null) {
                old.holder.close();
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
            try {
                filter.unrelease(e.getValue().flows);
            } catch (IOException ex) {
                LOG.log(Level.WARNING, "cannot lift the straggler drop of bypass " + e.getKey(), ex);
            }
            close(e.getValue().holder);
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
        byBypass.values().forEach(r -> close(r.holder));
        byBypass.clear();
    }
}
