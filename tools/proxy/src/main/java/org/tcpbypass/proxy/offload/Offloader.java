package org.tcpbypass.proxy.offload;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.tcpbypass.proxy.Metrics;
import org.tcpbypass.proxy.ProxyConfig;
import org.tcpbypass.proxy.linux.HandoffFilter;
import org.tcpbypass.proxy.linux.Niceness;
import org.tcpbypass.proxy.linux.RawTcp;
import org.tcpbypass.proxy.relay.Relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hands relayed connections to the switch: runs up to {@code maxConcurrent} {@link Handoff}s at once, queues the
 * others, offers postponed ones again, and keeps handed-off server ports reserved while their bypass lives.
 */
public final class Offloader implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Offloader.class.getName());
    private static final AtomicBoolean PRIORITY_REFUSAL_LOGGED = new AtomicBoolean();
    private static final AtomicBoolean PAUSE_REFUSAL_LOGGED = new AtomicBoolean();
    /**
     * A postponed hand-off is offered again while its connection lives: {@value #POSTPONE_MILLIS} ms later for the
     * first {@value #POSTPONE_PROMPT_ATTEMPTS} attempts (a request/response peer caught writing at the quiesce is
     * usually free a moment later), then twice as long each time up to {@value #POSTPONE_MAX_MILLIS} ms: the
     * long-lived connections worth offloading are not given up on, and one that never drains costs at most one
     * short pause a minute.
     */
    static final long POSTPONE_MILLIS = 1000;
    static final int POSTPONE_PROMPT_ATTEMPTS = 10;
    static final long POSTPONE_MAX_MILLIS = 60_000;
    /** How often the JVM's pause workers are raised, as it adds them (see {@link Niceness.PauseWorkers}). */
    static final long PAUSE_WORKERS_CHECK_SECONDS = 1;
    /** Due hand-offs waiting for a slot beyond this many are skipped. */
    static final int MAX_WAITING = 100_000;

    // What a Handoff uses; the retries scheduler also sends its reopening ACKs' later copies.
    final ProxyConfig config;
    final OffloadClient controller;
    final HandoffFilter filter;
    final RawTcp raw;
    final Metrics metrics;
    final RttRamp ramp;
    final ScheduledExecutorService retries;
    final PortReservations ports;
    final ResumePacer resumes;
    private final ExecutorService executor;

    /** An offloader; {@code filter} and {@code ramp} (null: no ramp) must be installed. */
    public Offloader(ProxyConfig config, OffloadClient controller, HandoffFilter filter, RttRamp ramp,
                     Metrics metrics) throws IOException {
        this.config = config;
        this.ramp = ramp;
        this.controller = controller;
        this.filter = filter;
        this.raw = new RawTcp();
        this.resumes = new ResumePacer(TimeUnit.MILLISECONDS.toNanos(config.handoff.resumeSpacingMillis));
        this.ports = new PortReservations(filter);
        this.metrics = metrics;
        // maxConcurrent hand-offs run at once; the others wait their turn in order (up to MAX_WAITING).
        this.executor = new ThreadPoolExecutor(config.handoff.maxConcurrent, config.handoff.maxConcurrent, 0,
                                               TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(MAX_WAITING), r -> {
            Thread t = new Thread(() -> {
                raiseHandoffPriority(config.handoff.niceness);
                r.run();
            }, "handoff");
            t.setDaemon(true);
            return t;
        });
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "handoff-retry");
            t.setDaemon(true);
            return t;
        });
        retries.scheduleWithFixedDelay(this::sweepReservations, config.handoff.reservationSweepSeconds,
                                       config.handoff.reservationSweepSeconds, TimeUnit.SECONDS);
        Niceness.PauseWorkers pauseWorkers = new Niceness.PauseWorkers(config.handoff.niceness);
        retries.scheduleWithFixedDelay(() -> raisePauseWorkers(pauseWorkers), 0, PAUSE_WORKERS_CHECK_SECONDS,
                                       TimeUnit.SECONDS);
    }

    /*
     * A hand-off holds two connections at a zero window: every millisecond its thread waits for a CPU stalls their
     * traffic, while the relay threads only move bytes and the hand-off's own CPU time is small. In the lab's scenario
     * 2 (50 connections through BMv2 on 2 cores), hand-off threads at nice 0 waited up to 215 ms for a CPU in one step
     * (/proc/thread-self/schedstat, logged with each step).
     */
    private static void raiseHandoffPriority(int niceness) {
        try {
            if (!Niceness.setForCallingThread(niceness) && !PRIORITY_REFUSAL_LOGGED.getAndSet(true)) {
                LOG.info("hand-off threads keep their nice value: setting it to " + niceness + " needs CAP_SYS_NICE");
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot set a hand-off thread's nice value", e);
        }
    }

    /* The threads every hand-off waits for in a garbage collection run at the hand-offs' priority (see Niceness). */
    private static void raisePauseWorkers(Niceness.PauseWorkers workers) {
        try {
            if (workers.raiseNew() < 0 && !PAUSE_REFUSAL_LOGGED.getAndSet(true)) {
                LOG.info("the JVM's pause workers keep their nice value: raising it needs CAP_SYS_NICE");
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot set the nice value of the JVM's own threads", e);
        }
    }

    /** Frees the server-leg ports of bypasses the controller no longer lists as BYPASSED. */
    private void sweepReservations() {
        if (ports.size() == 0) {
            return;
        }
        try {
            ports.keepOnly(controller.bypassed(config.deviceId));
        } catch (IOException e) {
            LOG.log(Level.FINE, "cannot list the live bypasses; keeping every port reservation", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Starts a hand-off of {@code relay}, or queues it behind the {@code maxConcurrent} in progress; never blocks.
     * Only beyond {@value #MAX_WAITING} waiting ones is it skipped (and counted).
     */
    public void offload(Relay relay) {
        offload(relay, 1);
    }

    private void offload(Relay relay, int attempt) {
        if (ramp == null) {
            queue(relay, attempt);
        } else {
            // The ramp runs first, outside the hand-off slots and deadlines, which count from the hand-off's start.
            ramp.start(relay, () -> queue(relay, attempt));
        }
    }

    private void queue(Relay relay, int attempt) {
        long queuedAt = System.nanoTime();
        try {
            executor.execute(() -> handOff(relay, attempt, queuedAt));
        } catch (RejectedExecutionException e) {
            metrics.skipped();
            stopRamp(relay);
        }
    }

    private void handOff(Relay relay, int attempt, long queuedAt) {
        boolean held;
        try {
            held = relay.worker().call(relay::holdSockets).get(Handoff.WORKER_CALL_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            held = false;
        }
        if (!held) {
            stopRamp(relay);
            return;
        }
        boolean postponed;
        try {
            postponed = new Handoff(this, relay, queuedAt).run();
        } finally {
            relay.worker().execute(relay::releaseSockets);
        }
        if (postponed) {
            retries.schedule(() -> offload(relay, attempt + 1), retryDelayMillis(attempt), TimeUnit.MILLISECONDS);
        }
    }

    /** How long after its {@code attempt}-th attempt (from 1) a postponed hand-off is offered again. */
    static long retryDelayMillis(int attempt) {
        if (attempt < POSTPONE_PROMPT_ATTEMPTS) {
            return POSTPONE_MILLIS;
        }
        int doublings = Math.min(attempt - POSTPONE_PROMPT_ATTEMPTS + 1, 16);
        return Math.min(POSTPONE_MILLIS << doublings, POSTPONE_MAX_MILLIS);
    }

    /** Ends {@code relay}'s RTT ramp, if any (see {@link RttRamp#stop}). */
    void stopRamp(Relay relay) {
        if (ramp == null) {
            return;
        }
        try {
            ramp.stop(relay);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot end the RTT ramp of " + relay, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        retries.shutdownNow();
        if (ramp != null) {
            ramp.close();
        }
        raw.close();
        ports.close();
    }
}
