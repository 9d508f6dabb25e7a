package org.tcpbypass.proxy.offload;

import org.tcpbypass.proxy.ProxyConfig;
import org.tcpbypass.proxy.linux.FlowDelay;
import org.tcpbypass.proxy.linux.NetemDelay;
import org.tcpbypass.proxy.linux.QueueDelay;
import org.tcpbypass.proxy.linux.TcpSocket;
import org.tcpbypass.proxy.relay.Relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Before a hand-off, raises the RTT each sender sees towards the RTT it will see once the proxy has left the path,
 * client leg plus server leg, so its congestion control is not shocked by a sudden jump. The client's segments are
 * held up to the server leg's RTT and the server's up to the client leg's, in steps, then kept there for a dwell
 * long enough for the senders' RTT memory. Held on arrival at the proxy ({@link FlowDelay}: netem where the kernel
 * has it, else a netfilter queue): held outgoing segments would count against the proxy socket's small-queue budget
 * and throttle it. Every ramp runs on one scheduler thread in short steps, so ramps of many connections overlap and
 * none blocks a hand-off.
 */
public final class RttRamp implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(RttRamp.class.getName());
    /** Queued packets the kernel keeps for the delay line: 1 s at 100k packets/s. */
    private static final int QUEUE_LENGTH = 100_000;
    /** Beyond its delay, how long a release waits for a flow's held packets to leave. */
    private static final long RELEASE_MARGIN_NANOS = 1_000_000_000L;

    private final ProxyConfig.RttRamp config;
    private final FlowDelay delay;
    private final Map<Relay, Ramp> ramps = new ConcurrentHashMap<>();
    private final ScheduledExecutorService steps = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "rtt-ramp");
        t.setDaemon(true);
        return t;
    });
    // Releases of abandoned ramps wait for held segments: never on the steps' thread.
    private final ExecutorService releases = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "rtt-ramp-release");
        t.setDaemon(true);
        return t;
    });
    private RttRamp(ProxyConfig.RttRamp config, FlowDelay delay) {
        this.config = config;
        this.delay = delay;
    }

    /**
     * Installs the ramp's delay mechanism as {@code config.mechanism} says: netem (IFB {@code config.ifb}), the
     * netfilter queue (nftables table {@code ip <table>}), or netem where the kernel has it and else the queue.
     *
     * @throws IOException naming what the kernel lacks; then nothing is left installed
     */
    public static RttRamp install(ProxyConfig.RttRamp config, String table) throws IOException {
        if (config.mechanism != ProxyConfig.RttRamp.Mechanism.QUEUE) {
            try {
                return new RttRamp(config, NetemDelay.install(config.ifb, config.preference));
            } catch (IOException e) {
                if (config.mechanism == ProxyConfig.RttRamp.Mechanism.NETEM) {
                    throw e;
                }
                LOG.info("RTT ramp without netem: " + e.getMessage());
            }
        }
        return new RttRamp(config, QueueDelay.install(table, config.queue, QUEUE_LENGTH));
    }

    /** What holds the ramped segments, for the start-up line. */
    public String describe() {
        return delay.describe();
    }

    /** Stops ramping and removes the delay mechanism; the segments still held leave at their times. */
    public void uninstall() throws IOException {
        close();
        delay.uninstall();
    }

    /**
     * Starts ramping {@code r}'s legs from their RTTs now; runs {@code then} on the ramp's thread once the dwell
     * at the target is over, or at once when both targets are below one step. A relay that stops relaying meanwhile
     * is released and {@code then} is not run.
     */
    public void start(Relay r, Runnable then) {
        Ramp ramp;
        try {
            ramp = new Ramp(r, then);
        } catch (IOException e) {
            LOG.log(Level.INFO, "no RTT ramp for " + r + ": its legs' RTTs cannot be read", e);
            then.run();
            return;
        }
        if (ramp.clientTarget < config.stepMillis && ramp.serverTarget < config.stepMillis) {
            then.run();
            return;
        }
        ramps.put(r, ramp);
        ramp.next = steps.schedule(ramp::step, 0, TimeUnit.MILLISECONDS);
    }

    /**
     * Ends {@code r}'s ramp, if any, without dropping or reordering its segments: each leg's delay drops to zero
     * for what arrives now (it queues behind the held segments), the held ones leave at their times, then the leg's
     * segments stop being held. Blocks for up to the current delay.
     */
    public void stop(Relay r) throws IOException, InterruptedException {
        Ramp ramp = ramps.remove(r);
        if (ramp == null) {
            return;
        }
        ScheduledFuture<?> next = ramp.next;
        if (next != null) {
            next.cancel(false);
        }
        release(r.client(), r.vip(), ramp.clientDelay);
        release(r.server(), r.proxyAddress(), ramp.serverDelay);
    }

    private void release(InetSocketAddress from, InetSocketAddress to, int delayMillis)
            throws IOException, InterruptedException {
        if (!delay.release(from, to, TimeUnit.MILLISECONDS.toNanos(delayMillis) + RELEASE_MARGIN_NANOS)) {
            LOG.warning("the held segments " + from + " -> " + to + " did not leave in time; they leave unordered");
        }
    }

    /** Stops ramping (the ramps in progress keep their delays until {@link #uninstall}). */
    @Override
    public void close() {
        steps.shutdownNow();
        releases.shutdownNow();
    }

    /** One connection's ramp: a step of each leg's delay per interval, then the dwell. */
    private final class Ramp {
        final Relay relay;
        final Runnable then;
        final int clientTarget;
        final int serverTarget;
        volatile int clientDelay;
        volatile int serverDelay;
        volatile ScheduledFuture<?> next;

        Ramp(Relay relay, Runnable then) throws IOException {
            this.relay = relay;
            this.then = then;
            // Once bypassed each sender's RTT is its own leg's plus the other leg's: the other leg's is added.
            int clientLeg = TcpSocket.of(relay.clientChannel()).info().rttMicros / 1000;
            int serverLeg = TcpSocket.of(relay.serverChannel()).info().rttMicros / 1000;
            clientTarget = Math.min(serverLeg, config.maxMillis);
            serverTarget = Math.min(clientLeg, config.maxMillis);
        }

        void step() {
            if (relay.state() != Relay.State.RELAYING || ramps.get(relay) != this) {
                abandon();
                return;
            }
            try {
                clientDelay = raise(relay.client(), relay.vip(), clientDelay, clientTarget);
                serverDelay = raise(relay.server(), relay.proxyAddress(), serverDelay, serverTarget);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot ramp the RTT of " + relay + "; handing it off unramped", e);
                abandon();
                then.run();
                return;
            }
            if (clientDelay < clientTarget || serverDelay < serverTarget) {
                next = steps.schedule(this::step, config.intervalMillis, TimeUnit.MILLISECONDS);
            } else {
                LOG.fine(() -> "RTT ramp of " + relay + " at " + clientDelay + " ms (client) and " + serverDelay
                        + " ms (server); dwelling " + config.dwellMillis + " ms");
                next = steps.schedule(then, config.intervalMillis + config.dwellMillis, TimeUnit.MILLISECONDS);
            }
        }

        /** One step of the delay of the segments {@code from -> to}; a leg whose target is 0 is never held. */
        private int raise(InetSocketAddress from, InetSocketAddress to, int delay, int target) throws IOException {
            if (delay == target) {
                return delay;
            }
            int next = Math.min(target, delay + config.stepMillis);
            RttRamp.this.delay.delay(from, to, TimeUnit.MILLISECONDS.toNanos(next));
            return next;
        }

        private void abandon() {
            releases.execute(() -> {
                try {
                    stop(relay);
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "cannot end the RTT ramp of " + relay, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
    }
}
