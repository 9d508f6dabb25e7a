package org.tcpbypass.proxy.offload;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.tcpbypass.proxy.Metrics;
import org.tcpbypass.proxy.ProxyConfig;
import org.tcpbypass.proxy.linux.PacketCapture;
import org.tcpbypass.proxy.linux.PayloadFreeze;
import org.tcpbypass.proxy.linux.Segment;
import org.tcpbypass.proxy.linux.TcpSocket;
import org.tcpbypass.proxy.relay.Relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hands relayed connections to the switch (README.md, "Hand-off"): freeze new payload, drain, read both legs
 * with TCP_REPAIR, ask the controller, then close in repair mode or resume relaying.
 */
public final class Offloader implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Offloader.class.getName());
    private static final int RELEASED_DROP_SECONDS = 30;
    private static final int CAPTURE_POLL_MILLIS = 5;

    private final ProxyConfig config;
    private final OffloadClient controller;
    private final PayloadFreeze freeze;
    private final Metrics metrics;
    private final RttRamp ramp;
    private final Semaphore slots;
    private final ExecutorService executor;

    /** An offloader; {@code freeze} and {@code ramp} (null: no ramp) must be installed. */
    public Offloader(ProxyConfig config, OffloadClient controller, PayloadFreeze freeze, RttRamp ramp,
                     Metrics metrics) {
        this.config = config;
        this.ramp = ramp;
        this.controller = controller;
        this.freeze = freeze;
        this.metrics = metrics;
        this.slots = new Semaphore(config.handoff.maxConcurrent);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "handoff");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts a hand-off of {@code relay} unless too many are in progress; never blocks. */
    public void offload(Relay relay) {
        if (!slots.tryAcquire()) {
            metrics.skipped();
            return;
        }
        executor.execute(() -> {
            try {
                handOff(relay);
            } finally {
                slots.release();
            }
        });
    }

    private void handOff(Relay r) {
        long decided = System.nanoTime();
        InetSocketAddress[] flows = {r.client(), r.vip(), r.server(), r.proxyAddress()};
        TcpSocket c = TcpSocket.of(r.clientChannel());
        TcpSocket s = TcpSocket.of(r.serverChannel());
        long frozenAt = 0;
        boolean paused = false;
        boolean repaired = false;
        String id = null;
        boolean failedByController = false;
        Steps steps = new Steps(decided);
        Integer delay = null;
        try (PacketCapture capture = new PacketCapture(List.of(r.client(), r.server()), CAPTURE_POLL_MILLIS,
                                                             true)) {
            if (ramp != null) {
                delay = ramp.ramp(r);
                steps.mark("rtt ramp");
            }
            freeze.freeze(flows);
            frozenAt = steps.mark("freeze");
            paused = drain(r, decided);
            steps.mark("drain");
            repair(true, c, s);
            repaired = true;
            PeerTimestamps ts = new PeerTimestamps(r);
            ts.read(capture, 0);
            boolean needClient = c.info().has(TcpSocket.TcpInfo.OPT_TIMESTAMPS);
            boolean needServer = s.info().has(TcpSocket.TcpInfo.OPT_TIMESTAMPS);
            // Leaving repair mode sends a window probe; each peer answers with an ACK carrying its current TSval.
            repair(false, c, s);
            repaired = false;
            ts.awaitAnswers(capture, config.handoff.probeTimeoutMillis, needClient, needServer);
            steps.mark("probe");
            repair(true, c, s);
            repaired = true;
            if (c.inputQueued() != 0 || s.inputQueued() != 0 || c.outputQueued() != 0 || s.outputQueued() != 0) {
                throw new IOException("a leg's queue is not empty in repair mode");
            }
            LegState clientLeg = LegState.read(c, ts.client);
            LegState serverLeg = LegState.read(s, ts.server);
            LOG.fine(() -> "hand-off " + r + " client leg " + clientLeg + " server leg " + serverLeg);
            OffloadClient.Record rec = controller.request(request(r, clientLeg, serverLeg));
            id = rec.id;
            long deadline = decided + TimeUnit.MILLISECONDS.toNanos(config.controller.offloadTimeoutMillis);
            while (OffloadClient.OFFLOADING.equals(rec.state) && System.nanoTime() < deadline) {
                rec = controller.await(id, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
            }
            steps.mark("controller");
            if (OffloadClient.BYPASSED.equals(rec.state)) {
                r.worker().call(() -> {
                    r.closeHandedOff();
                    return null;
                }).get(5, TimeUnit.SECONDS);
                long closed = steps.mark("close");
                freeze.release(RELEASED_DROP_SECONDS, flows);
                metrics.offloaded(closed - decided, closed - frozenAt);
                String bypass = id;
                LOG.info(() -> "handed off " + r + " as bypass " + bypass + " " + steps);
                return;
            }
            failedByController = !OffloadClient.OFFLOADING.equals(rec.state);
            throw new IOException("bypass " + id + " is " + rec.state
                                          + (rec.reason == null ? "" : " (" + rec.reason + ")"));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.log(Level.INFO, "hand-off of " + r + " abandoned " + steps + ", relaying on: " + e.getMessage());
            if (id != null && !failedByController) {
                controller.release(id);
            }
            fallBack(r, c, s, flows, repaired, frozenAt, paused);
        } finally {
            if (delay != null) {
                try {
                    ramp.remove(delay);
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "cannot remove the RTT ramp of " + r, e);
                }
            }
        }
    }

    private boolean drain(Relay r, long decided) throws Exception {
        long deadline = decided + TimeUnit.MILLISECONDS.toNanos(config.handoff.drainTimeoutMillis);
        while (!r.worker().call(r::pauseIfDrained).get(5, TimeUnit.SECONDS)) {
            if (System.nanoTime() > deadline) {
                throw new IOException("legs not drained within " + config.handoff.drainTimeoutMillis + " ms");
            }
            Thread.sleep(1);
        }
        return true;
    }

    private void fallBack(Relay r, TcpSocket c, TcpSocket s, InetSocketAddress[] flows, boolean repaired,
                          long frozenAt, boolean paused) {
        try {
            if (repaired) {
                repair(false, c, s);
            }
            if (frozenAt != 0) {
                freeze.thaw(flows);
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot undo the freeze of " + r + "; resetting it", e);
            r.worker().execute(r::abort);
        }
        if (paused) {
            r.worker().execute(r::resume);
        }
        metrics.fallback(frozenAt == 0 ? 0 : System.nanoTime() - frozenAt);
    }

    private static void repair(boolean on, TcpSocket... sockets) throws IOException {
        for (TcpSocket t : sockets) {
            t.setRepair(on);
        }
    }

    private ObjectNode request(Relay r, LegState clientLeg, LegState serverLeg) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("proxy", config.name);
        o.put("deviceId", config.deviceId);
        o.set("client", endpoint(r.client()));
        o.set("vip", endpoint(r.vip()));
        o.set("proxyAddress", endpoint(r.proxyAddress()));
        o.set("server", endpoint(r.server()));
        o.set("clientLeg", clientLeg.toJson());
        o.set("serverLeg", serverLeg.toJson());
        return o;
    }

    /** The protocol's {@code endpoint} object. */
    static ObjectNode endpoint(InetSocketAddress a) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("ip", a.getAddress().getHostAddress());
        o.put("port", a.getPort());
        return o;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }

    /** Durations of a hand-off's steps, for the log. */
    private static final class Steps {
        private final StringBuilder text = new StringBuilder("after");
        private long last;

        Steps(long start) {
            last = start;
        }

        long mark(String step) {
            long now = System.nanoTime();
            text.append(' ').append(step).append(' ').append((now - last) / 100_000 / 10.0).append(" ms");
            last = now;
            return now;
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }

    /** The latest TSval each peer sent, from the capture. */
    private static final class PeerTimestamps {
        private final Relay relay;
        long client = -1;
        long server = -1;
        private boolean clientAnswered;
        private boolean serverAnswered;

        PeerTimestamps(Relay relay) {
            this.relay = relay;
        }

        /** Reads segments for up to {@code millis} (0: only those already queued). */
        void read(PacketCapture capture, int millis) throws IOException {
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            do {
                Segment seg = millis == 0 ? capture.poll() : capture.next();
                if (seg == null) {
                    if (millis == 0) {
                        return;
                    }
                    continue;
                }
                note(seg, millis != 0);
                if (clientAnswered && serverAnswered) {
                    return;
                }
            } while (millis == 0 || System.nanoTime() < end);
        }

        /*
         * Only pure ACKs count: Linux stamps paced data with its future departure time, so a data segment's TSval
         * may be ahead of the peer's clock, while an ACK's is the clock itself, which every later segment
         * reaches or passes.
         */
        private void note(Segment seg, boolean answer) {
            if (seg.tsVal < 0 || seg.occupiesSequence() || (seg.flags & Segment.RST) != 0) {
                return;
            }
            if (seg.isFrom(relay.client(), relay.vip())) {
                client = newest(client, seg.tsVal);
                clientAnswered |= answer;
            } else if (seg.isFrom(relay.server(), relay.proxyAddress())) {
                server = newest(server, seg.tsVal);
                serverAnswered |= answer;
            }
        }

        private static long newest(long known, long seen) {
            return known < 0 || (int) (seen - known) > 0 ? seen : known;
        }

        void awaitAnswers(PacketCapture capture, int millis, boolean needClient, boolean needServer)
                throws IOException {
            clientAnswered = !needClient;
            serverAnswered = !needServer;
            read(capture, millis);
            if (needClient && client < 0 || needServer && server < 0) {
                throw new IOException("no TSval seen from the " + (needClient && client < 0 ? "client" : "server")
                                              + " within " + millis + " ms");
            }
        }
    }
}
