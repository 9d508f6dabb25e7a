package org.tcpbypass.proxy.offload;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.tcpbypass.proxy.linux.HandoffFilter;
import org.tcpbypass.proxy.linux.PacketCapture;
import org.tcpbypass.proxy.linux.RunDelay;
import org.tcpbypass.proxy.linux.Segment;
import org.tcpbypass.proxy.linux.TcpSocket;
import org.tcpbypass.proxy.relay.Relay;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One hand-off of one connection, on a hand-off thread (docs/bypass-math.md, "Hand-off timeline"): quiesce both
 * peers with a zero window, drain, freeze as a safety net, read both legs in TCP_REPAIR, ask the controller, then
 * close silently and resume the peers with one crafted ACK each — or resume relaying the same way.
 */
public final class Handoff {
    private static final Logger LOG = Logger.getLogger(Handoff.class.getName());
    private static final int RELEASED_DROP_SECONDS = 30;
    /** The longest the barrier waits on its capture before it looks at its timers again. */
    private static final long CAPTURE_WAIT_NANOS = 5_000_000;
    /**
     * How long the capture may take to show the proxy's own window probes: they leave at once, but on a loaded
     * machine the capture's reader may run late; past this the hand-off is postponed, not abandoned.
     */
    private static final long OWN_PROBES_MILLIS = 1000;
    static final long WORKER_CALL_SECONDS = 5;
    private static final long RELEASE_WAIT_MILLIS = 5000;
    /** How many times the offload or its cancel is asked while the controller does not answer; the first pause. */
    private static final int ASK_ATTEMPTS = 3;
    private static final long ASK_PAUSE_MILLIS = 100;
    private static final long MASK = 0xffffffffL;
    private static final long[] REOPEN_COPIES_MILLIS = {5, 50};
    /**
     * Ticks a reopening ACK's TSval runs ahead of the elapsed time: covers a peer's payload that waited unread and
     * the one-way delay; far below the 30 s of future TSvals that strict middleboxes (pf) accept.
     */
    public static final long REOPEN_TS_LEAD = 1000;
    private static final int RESTART_SEGMENTS = 10;
    /** The shortest wait for a drain before the peers are nudged (then twice the RTT, doubling each time). */
    private static final long NUDGE_MIN_NANOS = 2_000_000;
    /**
     * How long a drain waits while neither leg's queue changes although one holds data not yet sent: the peer's window
     * is closed, typically because it waits to write against the quiesce's zero window before it reads again (a
     * request/response peer). That never resolves while quiesced: postponed, relaying resumes.
     */
    private static final long STALL_NANOS = 50_000_000;
    /** How many times a hand-off lets a stalled peer through (see {@link #letThrough}) before it is postponed. */
    private static final int LET_THROUGH_MAX = 8;
    /**
     * How long what the proxy holds for a peer let through may stand still before the hand-off is postponed: such a
     * peer relays like any other, and on a loaded machine (the lab's 50 echo connections through BMv2 on two cores)
     * a 50 ms pause in it is common; one that does not read at all holds the hand-off this long, not the drain timeout.
     */
    private static final long LET_THROUGH_STALL_NANOS = 500_000_000;

    private final Offloader owner;
    private final Relay r;
    private final TcpSocket c;
    private final TcpSocket s;
    private final HandoffFilter.Flows flows;
    private final Steps steps;
    // When the hand-off was queued (the policy fired, or the RTT ramp ended): its latency counts from there.
    private final long queuedAt;
    private final long started = System.nanoTime();
    private long quiescedAt;
    private boolean frozen;
    private boolean paused;
    private boolean repaired;
    // Per leg: its peer may send again while the drain lasts (see letThrough).
    private final boolean[] letThrough = new boolean[2];
    private int letThroughs;
    private Segment lastToClient;
    private Segment lastToServer;
    // Per leg: the end of the furthest payload the capture showed from its peer, -1 before any (see answersProbe).
    private final long[] peerSent = {-1, -1};
    // No later than the peer stamped the TSval the proxy reports for it (see reopenTsVal).
    private long clientHeard;
    private long serverHeard;

    Handoff(Offloader owner, Relay r, long queuedAt) {
        this.owner = owner;
        this.queuedAt = queuedAt;
        this.r = r;
        this.c = TcpSocket.of(r.clientChannel());
        this.s = TcpSocket.of(r.serverChannel());
        this.flows = new HandoffFilter.Flows(r.client(), r.vip(), r.proxyAddress(), r.server());
        this.steps = new Steps(queuedAt);
    }

    /** Runs the hand-off; returns whether it was postponed (nothing happened that a later try cannot redo). */
    boolean run() {
        PacketCapture own = null;
        // The executor's queue (behind the hand-offs in progress) and the relay worker's turn to hold the sockets.
        steps.mark("queued");
        try {
            own = PacketCapture.ofFlows(List.of(r.vip(), r.client(), r.proxyAddress(), r.server(),
                                                r.client(), r.vip(), r.server(), r.proxyAddress()));
            owner.filter.quiesce(flows);
            quiescedAt = steps.mark("quiesce");
            long drainDeadline = quiescedAt
                + TimeUnit.MILLISECONDS.toNanos(owner.config.handoff.drainTimeoutMillis);
            awaitQuiet(own, drainDeadline);
            steps.mark("barrier");
            if (owner.ramp != null) {
                // The peers are quiet (zero window, everything acknowledged): no RTT sample is taken any more,
                // and nothing the ramp holds may reach the sockets once frozen.
                owner.ramp.stop(r);
                steps.mark("rtt ramp ended");
            }
            owner.filter.freeze(flows);
            frozen = true;
            // Frozen, no ACK comes in any more: whatever is not drained now never will be.
            awaitDrain(true, Math.min(drainDeadline, System.nanoTime()
                    + TimeUnit.MILLISECONDS.toNanos(owner.config.handoff.probeTimeoutMillis)), "at the freeze", false,
                       null);
            paused = true;
            steps.mark("freeze");
            PacketCapture capture = own;
            long[] seqs = r.worker().call(() -> probe(capture, true)).get(WORKER_CALL_SECONDS, TimeUnit.SECONDS);
            // The probes are awaited here, not on the worker, which relays other connections meanwhile: in a lab run
            // under load, read steps of up to 292 ms (this wait then included) ran on workers whose other connections
            // did not drain within 2 s.
            awaitProbes(own, seqs, false, Long.MAX_VALUE);
            LegState[] legs = r.worker().call(this::readLegs).get(WORKER_CALL_SECONDS, TimeUnit.SECONDS);
            steps.mark("read");
            LOG.fine(() -> "hand-off " + r + " client leg " + legs[0] + " server leg " + legs[1]);
            OffloadClient.Record rec = decide(request(legs[0], legs[1]), quiescedAt + offloadTimeoutNanos());
            steps.mark("decision");
            if (!OffloadClient.BYPASSED.equals(rec.state)) {
                rec = unlessTalkedThrough(own, legs, rec);
            }
            if (OffloadClient.BYPASSED.equals(rec.state)) {
                handOver(legs[0], legs[1], rec.id);
                return false;
            }
            throw new IOException("bypass " + rec.id + " is " + rec.state
                                          + (rec.reason == null ? "" : " (" + rec.reason + ")"));
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            steps.mark("abandoned");
            if (cause instanceof SplitException) {
                LOG.log(Level.WARNING, "hand-off of " + r + " " + steps + ", resetting the connection: "
                        + cause.getMessage());
                reset(((SplitException) cause).acknowledged);
                return false;
            }
            LOG.log(Level.INFO, "hand-off of " + r + " " + steps + ", relaying on: "
                    + cause.getMessage());
            fallBack(own);
            return cause instanceof PostponedException;
        } finally {
            if (own != null) {
                own.close();
            }
            owner.stopRamp(r);
        }
    }

    /*
     * POST the offload, its answer held by the app while OFFLOADING (asked again under the same idempotency key
     * when no answer came, so a lost answer cannot create a second bypass), wait while still OFFLOADING until the
     * deadline, which counts from the quiesce, then cancel only while still OFFLOADING: a bypass that won the race
     * is completed, never relayed beside. A POST never answered is cancelled by its key, which then makes no bypass
     * however late the request arrives. Relaying resumes only on an answer that is not BYPASSED (see answered).
     */
    private OffloadClient.Record decide(ObjectNode offload, long deadline) throws IOException, InterruptedException {
        String key = UUID.randomUUID().toString();
        OffloadClient.Record rec;
        try {
            rec = answered("the offload", () -> owner.controller.request(offload, key, millisUntil(deadline)));
        } catch (OffloadClient.ControllerException e) {
            if (e.answered) {
                throw e;
            }
            Optional<OffloadClient.Record> made = answered(
                    "the cancel of the unanswered offload " + key,
                    () -> owner.controller.cancelRequest(owner.config.name, key));
            if (made.isEmpty()) {
                throw new IOException("no answer to the offload; the controller made no bypass of it (" + key
                                              + ", cancelled): " + e.getMessage());
            }
            return released(made.get());
        }
        steps.mark("request");
        try {
            while (OffloadClient.OFFLOADING.equals(rec.state) && System.nanoTime() < deadline) {
                rec = owner.controller.await(rec.id, millisUntil(deadline));
            }
        } catch (OffloadClient.ControllerException e) {
            LOG.log(Level.FINE, "waiting for bypass " + rec.id + " failed; cancelling it", e);
        }
        if (!OffloadClient.OFFLOADING.equals(rec.state)) {
            return rec;
        }
        String id = rec.id;
        return released(answered("the cancel of bypass " + id, () -> owner.controller.cancel(id)));
    }

    private long offloadTimeoutNanos() {
        return TimeUnit.MILLISECONDS.toNanos(owner.config.controller.offloadTimeoutMillis);
    }

    /*
     * A bypass that did not go live may still have carried the peers for a moment: its entries reach the switch before
     * the app learns they are installed and leave it only when their withdrawal is done, and a window probe that
     * crosses them while both directions are in place reaches the other endpoint, whose answer reopens the window, so
     * payload flows directly. A peer that acknowledges past its leg's sndNxt has bytes the proxy never sent, and
     * relaying on would stall the connection for good. The same legs are then offloaded again: the peers' streams are
     * exact continuations under the deltas the legs give. If that fails too, the connection cannot go on (see reset).
     */
    private OffloadClient.Record unlessTalkedThrough(PacketCapture own, LegState[] legs, OffloadClient.Record rec)
            throws IOException, InterruptedException {
        long[] acknowledged = acknowledged(own, legs);
        List<String> ahead = new ArrayList<>();
        for (int leg = 0; leg < 2; leg++) {
            if (acknowledged[leg] != legs[leg].sndNxt) {
                String peer = leg == 0 ? "client" : "server";
                ahead.add("the " + peer + " acknowledges " + acknowledged[leg] + " past the " + peer + " leg's sndNxt "
                                  + legs[leg].sndNxt);
            }
        }
        if (ahead.isEmpty()) {
            return rec;
        }
        String talked = "the peers talked through bypass " + rec.id + " (" + rec.state + "): "
                + String.join(", ", ahead);
        LOG.warning(() -> "hand-off of " + r + ": " + talked + "; offloading the same legs again");
        OffloadClient.Record again;
        try {
            again = decide(request(legs[0], legs[1]), System.nanoTime() + offloadTimeoutNanos());
        } catch (IOException e) {
            throw new SplitException(talked + ", and offloading them again failed: " + e.getMessage(), acknowledged);
        }
        steps.mark("offloaded again");
        if (!OffloadClient.BYPASSED.equals(again.state)) {
            throw new SplitException(talked + ", and bypass " + again.id + " of the same legs is " + again.state,
                                     acknowledged);
        }
        return again;
    }

    /*
     * How far each peer acknowledges, from what the capture holds and from its answer to a byte it has (the
     * barrier's probe, at sndNxt - 1: answered at once, with a D-SACK for it where SACK was negotiated). The proxy's
     * sockets never sent past sndNxt: only the switch can have delivered more. Without an answer within the probe
     * timeout (or twice the RTT) a peer counts as acknowledging sndNxt, as before the offload.
     */
    private long[] acknowledged(PacketCapture own, LegState[] legs) throws IOException {
        long[] acked = {legs[0].sndNxt, legs[1].sndNxt};
        // What the capture holds already counts, but an answer to the barrier's probe (the same byte) among it is no
        // answer to this one.
        for (Segment seg = own.poll(); seg != null; seg = own.poll()) {
            note(seg);
            peerAcknowledging(seg, acked);
        }
        owner.raw.sendDuplicateByte(r.vip(), r.client(), legs[0].sndNxt - 1 & MASK, legs[0].rcvNxt, 0,
                                    newestStamp(c, lastToClient), lastToClient == null ? 0 : lastToClient.tsEcr);
        owner.raw.sendDuplicateByte(r.proxyAddress(), r.server(), legs[1].sndNxt - 1 & MASK, legs[1].rcvNxt, 0,
                                    newestStamp(s, lastToServer), lastToServer == null ? 0 : lastToServer.tsEcr);
        boolean[] answered = {acked[0] != legs[0].sndNxt, acked[1] != legs[1].sndNxt};
        long wait = Math.max(TimeUnit.MILLISECONDS.toNanos(owner.config.handoff.probeTimeoutMillis),
                             2_000L * Math.max(c.info().rttMicros, s.info().rttMicros));
        long until = System.nanoTime() + wait;
        while (!answered[0] || !answered[1]) {
            long left = until - System.nanoTime();
            Segment seg = left > 0 ? own.next(left) : null;
            if (seg == null) {
                LOG.fine(() -> "hand-off of " + r + ": no answer from the " + (answered[0] ? "server" : "client")
                        + " to where it stands");
                break;
            }
            note(seg);
            int leg = peerAcknowledging(seg, acked);
            if (leg >= 0 && (!legs[leg].sackPermitted || acked[leg] != legs[leg].sndNxt
                    || seg.sackBlocks > 0 && seg.firstSackLeft == (legs[leg].sndNxt - 1 & MASK))) {
                answered[leg] = true;
            }
        }
        return acked;
    }

    /** The leg whose peer sent {@code seg}, an ACK, its acknowledgement noted in {@code acked} if further; else -1. */
    private int peerAcknowledging(Segment seg, long[] acked) {
        if ((seg.flags & Segment.ACK) == 0) {
            return -1;
        }
        int leg = seg.isFrom(r.client(), r.vip()) ? 0 : seg.isFrom(r.server(), r.proxyAddress()) ? 1 : -1;
        if (leg >= 0 && (int) (seg.ack - acked[leg]) > 0) {
            acked[leg] = seg.ack;
        }
        return leg;
    }

    /*
     * The peers talked through a bypass that is gone and none of the same legs could be made: neither the relay nor
     * the switch can carry the connection on. Each peer is reset at what it acknowledges (its rcv_nxt: an RST anywhere
     * else only draws a challenge ACK, RFC 5961), then the sockets close in repair mode, silently, and the flows leave
     * the filter.
     */
    private void reset(long[] acknowledged) {
        try {
            owner.raw.sendReset(r.vip(), r.client(), acknowledged[0]);
            owner.raw.sendReset(r.proxyAddress(), r.server(), acknowledged[1]);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "cannot reset the peers of " + r, e);
        }
        try {
            r.worker().call(() -> {
                r.abort();
                // A later connection with the same addresses and ports would announce window 0 for good.
                owner.filter.thaw(flows, frozen);
                frozen = false;
                return null;
            }).get(WORKER_CALL_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "cannot close " + r + " or lift its filter", e);
        }
    }

    // 202: being released; its end state (never BYPASSED after a release) is what relaying waits for.
    private OffloadClient.Record released(OffloadClient.Record rec) throws IOException, InterruptedException {
        return OffloadClient.OFFLOADING.equals(rec.state) ? owner.controller.await(rec.id, RELEASE_WAIT_MILLIS) : rec;
    }

    /*
     * An exchange with the controller, asked again while it does not answer (ASK_ATTEMPTS in all; the offload carries
     * one idempotency key and the cancels are compare-and-sets, so asking again changes nothing): without an answer
     * the bypass may exist, or may have won, and relaying beside it would split the connection in two. The peers wait
     * quiesced meanwhile, losing nothing; only after the last unanswered cancel does the hand-off relay on.
     */
    private <T> T answered(String what, ControllerCall<T> call) throws IOException, InterruptedException {
        long pause = ASK_PAUSE_MILLIS;
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (OffloadClient.ControllerException e) {
                if (e.answered || attempt == ASK_ATTEMPTS) {
                    throw e;
                }
                LOG.log(Level.WARNING, "hand-off of " + r + ": no answer to " + what + " (" + e.getMessage()
                        + "); asking again", e);
                Thread.sleep(pause);
                pause *= 2;
            }
        }
    }

    private interface ControllerCall<T> {
        T call() throws IOException, InterruptedException;
    }

    /** Nanoseconds from now to the first of {@code dues} still ahead (nanoTime values), at most {@code max}. */
    private static long untilFirst(long max, long... dues) {
        long now = System.nanoTime();
        long wait = max;
        for (long due : dues) {
            if (due != Long.MAX_VALUE && due - now > 0) {
                wait = Math.min(wait, due - now);
            }
        }
        return wait;
    }

    private long millisUntil(long deadline) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    }

    /**
     * Waits for the relay to drain; with {@code nudging} (not once frozen: answers would be dropped), nudges the peers
     * at once when not drained, then whenever the wait outlasts an ever longer interval, from twice the RTT (see
     * {@link #nudge}), and postpones as soon as what the proxy holds for a peer has not moved for
     * {@link #STALL_NANOS} (the legs' queues are looked at every half of it, however long the nudge interval has
     * grown). The first nudge does not wait: a peer that delays its ACK of what the proxy relayed last (by up to
     * 40 ms, and the smoothed RTT the interval comes from includes such delays) would hold the drain for as long, and
     * the nudge's duplicate byte reaches the peer after everything relayed before it.
     *
     * <p>With {@code letThroughCapture}, a stalled peer is let through first (see {@link #letThrough}), and the drain
     * ends only once every leg is quiesced again and drained.
     */
    private void awaitDrain(boolean pause, long deadline, String when, boolean nudging, PacketCapture letThroughCapture)
            throws Exception {
        do {
            drainOnce(pause, deadline, when, nudging, letThroughCapture);
        } while (r.worker().call(this::requiesce).get(WORKER_CALL_SECONDS, TimeUnit.SECONDS));
    }

    private void drainOnce(boolean pause, long deadline, String when, boolean nudging, PacketCapture letThroughCapture)
            throws Exception {
        CompletableFuture<Void> drained = r.worker().call(() -> r.drain(pause))
                .get(WORKER_CALL_SECONDS, TimeUnit.SECONDS);
        long interval = Math.max(NUDGE_MIN_NANOS, 2_000L * Math.max(c.info().rttMicros, s.info().rttMicros));
        long nextNudge = System.nanoTime();
        long[] queued = null;
        long movedAt = System.nanoTime();
        try {
            while (true) {
                long now = System.nanoTime();
                long left = Math.max(0, deadline - now);
                try {
                    drained.get(nudging ? Math.min(left, Math.max(0, Math.min(nextNudge - now, STALL_NANOS / 2)))
                                        : left, TimeUnit.NANOSECONDS);
                    return;
                } catch (TimeoutException e) {
                    if (!nudging || deadline - System.nanoTime() <= 0) {
                        throw e;
                    }
                    boolean send = System.nanoTime() - nextNudge >= 0;
                    long[] held = r.worker().call(() -> nudge(send)).get(WORKER_CALL_SECONDS, TimeUnit.SECONDS);
                    if (send) {
                        nextNudge = System.nanoTime() + interval;
                        interval *= 2;
                    }
                    for (int leg = 0; leg < 2; leg++) {
                        if (letThrough[leg] && held[2 * leg] == 0) {
                            int quiesced = leg;
                            r.worker().call(() -> requiesce(quiesced)).get(WORKER_CALL_SECONDS, TimeUnit.SECONDS);
                        }
                    }
                    if (queued == null || !Arrays.equals(held, queued) || held[1] + held[3] == 0) {
                        queued = held;
                        movedAt = System.nanoTime();
                    } else if (System.nanoTime() - movedAt >= STALL_NANOS) {
                        long stalled = System.nanoTime() - movedAt;
                        int let = letThroughCapture == null ? -1 : r.worker()
                                .call(() -> letThrough(held, stalled, letThroughCapture))
                                .get(WORKER_CALL_SECONDS, TimeUnit.SECONDS);
                        if (let >= 0) {
                            queued = let > 0 ? null : queued;
                            continue;
                        }
                        r.worker().call(r::cancelDrain).get(WORKER_CALL_SECONDS, TimeUnit.SECONDS);
                        throw new PostponedException("a peer took none of the " + (held[1] + held[3])
                                + " bytes the proxy holds for it for " + stalled / 1_000_000
                                + " ms (client leg " + held[1] + ", server leg " + held[3] + " not sent): it waits on"
                                + " the zero window or does not read");
                    }
                }
            }
        } catch (TimeoutException e) {
            String left = r.worker().call(r::settleDrain).get(WORKER_CALL_SECONDS, TimeUnit.SECONDS);
            if (drained.isDone() && !drained.isCompletedExceptionally()) {
                return;
            }
            throw new PostponedException("legs not drained " + when + " (" + left + ")");
        }
    }

    /*
     * Drained and quiet: everything relayed and acknowledged, and each peer has answered a window probe
     * without sending payload beyond what the proxy had received. A peer's segments arrive in order, so its
     * answer comes after everything it sent before receiving the probe; a peer that took the zero window sends
     * nothing after it either.
     */
    private void awaitQuiet(PacketCapture own, long deadline) throws Exception {
        String within = "within " + owner.config.handoff.drainTimeoutMillis + " ms of the quiesce";
        awaitDrain(false, deadline, within, true, own);
        steps.mark("drain");
        long[] seqs = r.worker().call(() -> probe(own, false)).get(WORKER_CALL_SECONDS, TimeUnit.SECONDS);
        awaitProbes(own, seqs, true, deadline);
        // Relays what came after the first drain (below rcvNxt at the probe, or late payload past it); the peers
        // answered the probe after it and send no more. Without it, payload that arrived between the drain and
        // the probe would be relayed and still unacknowledged at the freeze, which drops the ACKs for it.
        // No peer is let through any more: the probe's window-closing ACK (seq sndNxt + 1) is the last word.
        awaitDrain(false, deadline, within, true, null);
    }

    /**
     * On the worker, when what the proxy holds for a peer has not moved for {@link #STALL_NANOS}: the peer's receive
     * window is closed, typically because it waits to write against the quiesce's zero window before it reads again
     * (a request/response peer). Such a peer is let through: its leg leaves the quiesce and one pure ACK at the
     * socket's snd_nxt and rcv_nxt (the only seq a closed receive window accepts, and the kernel's own one) with the
     * socket's real window and its newest TSval reopens the peer's send window (same seq as the zero-window ACKs, a
     * larger window: RFC 9293's window update rule). The peer writes, reads again, and takes what the proxy holds;
     * what it writes is relayed to the other peer, which is still quiesced. Once everything held for it is
     * acknowledged, its leg is quiesced again ({@link #requiesce(int)}). One peer at a time.
     *
     * @param held    the legs' queues as {@link #nudge} reads them
     * @param stalled how long they have not moved
     * @return 1 when a stalled peer was let through; 0 while a peer let through may still move
     *         ({@link #LET_THROUGH_STALL_NANOS}); -1 to postpone (nothing moved for longer, or peers were let through
     *         {@value #LET_THROUGH_MAX} times)
     */
    private int letThrough(long[] held, long stalled, PacketCapture own) throws IOException {
        if (letThrough[0] || letThrough[1]) {
            // One peer at a time: with both let through the connection relays as before and never drains.
            return stalled >= LET_THROUGH_STALL_NANOS ? -1 : 0;
        }
        if (letThroughs == LET_THROUGH_MAX) {
            return -1;
        }
        // Of two stalled peers, the one the proxy holds more for (a request/response server holds up its client).
        int leg = held[1] >= held[3] ? 0 : 1;
        TcpSocket socket = leg == 0 ? c : s;
        socket.setRepair(true);
        long sndNxt;
        long rcvNxt;
        int window;
        try {
            sndNxt = socket.sendQueueSeq() - socket.notSentQueued() & MASK;
            rcvNxt = socket.receiveQueueSeq();
            TcpSocket.RepairWindow w = socket.repairWindow();
            TcpSocket.TcpInfo info = socket.info();
            window = window(w.rcvWup + w.rcvWnd - rcvNxt & MASK,
                            info.has(TcpSocket.TcpInfo.OPT_WSCALE) ? info.rcvWscale : 0);
            owner.filter.quiesce(flows, leg, false);
            letThrough[leg] = true;
            letThroughs++;
        } finally {
            socket.setRepair(false);
        }
        drainOwn(own);
        Segment last = leg == 0 ? lastToClient : lastToServer;
        InetSocketAddress peer = leg == 0 ? r.client() : r.server();
        owner.raw.sendAck(leg == 0 ? r.vip() : r.proxyAddress(), peer, sndNxt, rcvNxt, window,
                          newestStamp(socket, last), last == null ? 0 : last.tsEcr);
        LOG.fine(() -> "hand-off " + r + ": " + peer + " took nothing for " + stalled / 1_000_000
                + " ms; let through (" + r.drainState() + ")");
        return 1;
    }

    /** On the worker: quiesces a leg let through again. */
    private Void requiesce(int leg) throws IOException {
        if (letThrough[leg]) {
            owner.filter.quiesce(flows, leg, true);
            letThrough[leg] = false;
        }
        return null;
    }

    /** On the worker: quiesces every leg let through again; returns whether there was one. */
    private boolean requiesce() throws IOException {
        boolean any = letThrough[0] || letThrough[1];
        requiesce(0);
        requiesce(1);
        return any;
    }

    /**
     * Sends the barrier's duplicate byte once more (same seq, so the same answer counts) to each peer that has not
     * answered by its {@code reprobeAt}: twice the RTT after the probe, or at once after payload that came after the
     * probe. A duplicate byte is data, so the peer answers it at once with a D-SACK (no rate limit, unlike an
     * out-of-window ACK). Measured in the lab: about one hand-off in ten saw no answer from a peer that had sent a
     * burst just before the zero window reached it, and waited out the probe timeout (50 ms); with the re-probe only
     * at twice the RTT (tcpi_rtt includes the peers' delayed ACKs), a single hand-off whose peer had answered before
     * its late burst waited 10 ms more for it (2026-12-01 23:29).
     */
    private void reprobe(long[] seqs, boolean[] duplicateSent, boolean[] answered, boolean[] reprobed,
                         long[] reprobeAt) throws IOException {
        for (int leg = 0; leg < 2; leg++) {
            if (answered[leg] || reprobed[leg] || !duplicateSent[leg] || System.nanoTime() - reprobeAt[leg] < 0) {
                continue;
            }
            reprobed[leg] = true;
            TcpSocket socket = leg == 0 ? c : s;
            InetSocketAddress local = leg == 0 ? r.vip() : r.proxyAddress();
            InetSocketAddress peer = leg == 0 ? r.client() : r.server();
            owner.raw.sendDuplicateByte(local, peer, seqs[4 + leg] - 1 & MASK, seqs[2 * leg + 1], 0,
                                        newestStamp(socket, null), 0);
            LOG.fine(() -> "hand-off " + r + ": " + peer + " has not answered the window probe (twice the RTT"
                    + " passed, or payload came after it); probed again");
        }
    }

    /**
     * On the worker: sends a window probe on both legs by entering and leaving repair mode, reading each
     * leg's next sequence numbers meanwhile; ends in repair mode when {@code stayRepaired}, otherwise first
     * closes each peer's window (see {@link #closeWindows}).
     *
     * @return sndNxt and rcvNxt of the client leg, then of the server leg, then sndUna of each leg (the probe
     *         leaves at sndUna - 1; relaying goes on until the freeze, so data may be queued or in flight)
     */
    private long[] probe(PacketCapture own, boolean stayRepaired) throws IOException {
        repair(true);
        long[] seqs = readSeqs();
        if (!stayRepaired) {
            closeWindows(own, seqs);
        }
        repair(false);
        if (stayRepaired) {
            repair(true);
        }
        return seqs;
    }

    /**
     * In repair mode: sndNxt and rcvNxt of the client leg, then of the server leg, then sndUna of each leg. The send
     * queue's end less what is not sent is snd_nxt; less what is not acknowledged, snd_una.
     */
    private long[] readSeqs() throws IOException {
        long cEnd = c.sendQueueSeq();
        long sEnd = s.sendQueueSeq();
        return new long[] {cEnd - c.notSentQueued() & MASK, c.receiveQueueSeq(),
                           sEnd - s.notSentQueued() & MASK, s.receiveQueueSeq(),
                           cEnd - c.outputQueued() & MASK, sEnd - s.outputQueued() & MASK};
    }

    /*
     * A peer takes a smaller window only from an ACK that acknowledges new data or carries a newer sequence
     * number, so an idle peer never learns the quiesce's zero window from the proxy's own ACKs. One crafted
     * ACK per leg with seq = sndNxt + 1 (in the peer's receive window, no payload: the peer updates its send
     * window from it and discards it, keeping no TSval of it) closes the window; later window updates carry
     * seq = sndNxt + 1 as well. Its TSval is not older than any the socket sent (PAWS).
     */
    private void closeWindows(PacketCapture own, long[] seqs) throws IOException {
        drainOwn(own);
        long clientEcr = lastToClient == null ? 0 : lastToClient.tsEcr;
        long serverEcr = lastToServer == null ? 0 : lastToServer.tsEcr;
        owner.raw.sendAck(r.vip(), r.client(), seqs[0] + 1 & MASK, seqs[1], 0, stamp(c, lastToClient), clientEcr);
        owner.raw.sendAck(r.proxyAddress(), r.server(), seqs[2] + 1 & MASK, seqs[3], 0, stamp(s, lastToServer),
                    serverEcr);
        // The barrier's probe: a byte the peer has, answered at once with a D-SACK for it (see awaitProbes).
        owner.raw.sendDuplicateByte(r.vip(), r.client(), seqs[4] - 1 & MASK, seqs[1], 0,
                                    newestStamp(c, lastToClient), clientEcr);
        owner.raw.sendDuplicateByte(r.proxyAddress(), r.server(), seqs[5] - 1 & MASK, seqs[3], 0,
                              newestStamp(s, lastToServer), serverEcr);
    }

    /**
     * Reads the capture until both legs' probes (at snd_una - 1) show, keeping them as the legs' newest own
     * segments, and, with {@code answers}, until each peer answered with nothing new (a segment without
     * payload at the end of what it sent) or, as Linux answers at most one out-of-window segment per 500 ms
     * (tcp_invalid_ratelimit), until no payload came from it for twice the legs' RTT (at least the probe
     * timeout). Payload a peer sent before the window-closing ACK reached it may arrive meanwhile: waiting goes
     * on for an answer at its end, the peer is probed again once that payload is read (see {@link #reprobe}), and
     * the late payload is relayed by the drain that follows.
     *
     * @param deadline past it, a peer still sending payload postpones the hand-off
     */
    private void awaitProbes(PacketCapture own, long[] seqs, boolean answers, long deadline)
            throws IOException {
        Segment[] probes = new Segment[2];
        // The crafted duplicate byte leaves before the kernel's window probe (repair mode is left after it) and
        // its answer may come back before that probe is captured: an answer counts once either has left.
        boolean[] duplicateSent = new boolean[2];
        boolean[] answered = {!answers, !answers};
        // Payload the capture showed before this (read by drainOwn) counts: it may have reached the leg after its
        // rcvNxt was read, and the peer's answer then carries its end.
        long[] end = {furthest(seqs[1], peerSent[0]), furthest(seqs[3], peerSent[1])};
        // With SACK the answer is told apart from an ACK the peer sent before the probe reached it: it reports
        // the probe's duplicate byte (a D-SACK).
        TcpSocket.TcpInfo ci = c.info();
        TcpSocket.TcpInfo si = s.info();
        boolean[] sack = {ci.has(TcpSocket.TcpInfo.OPT_SACK), si.has(TcpSocket.TcpInfo.OPT_SACK)};
        long wait = TimeUnit.MILLISECONDS.toNanos(owner.config.handoff.probeTimeoutMillis);
        if (answers) {
            wait = Math.max(wait, 2_000L * Math.max(ci.rttMicros, si.rttMicros));
        }
        long quietUntil = System.nanoTime() + wait;
        long probesDue = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(OWN_PROBES_MILLIS);
        long firstReprobe = System.nanoTime()
                + Math.max(NUDGE_MIN_NANOS, 2_000L * Math.max(ci.rttMicros, si.rttMicros));
        long[] reprobeAt = {firstReprobe, firstReprobe};
        boolean[] reprobed = new boolean[2];
        while (probes[0] == null || probes[1] == null || !answered[0] || !answered[1]) {
            Segment seg = own.poll();
            if (seg == null && answers) {
                reprobe(seqs, duplicateSent, answered, reprobed, reprobeAt);
            }
            if (seg == null && System.nanoTime() > quietUntil) {
                if (probes[0] != null && probes[1] != null) {
                    LOG.fine(() -> "hand-off " + r + ": no answer to the window probe from the "
                            + (answered[0] ? "server" : "client") + "; quiet for "
                            + owner.config.handoff.probeTimeoutMillis + " ms or twice the RTT");
                    break;
                }
                requireEstablished();
                if (System.nanoTime() > probesDue) {
                    throw new PostponedException("the proxy's own window probe on the "
                            + (probes[0] == null ? probes[1] == null ? "client and server legs" : "client leg"
                                                 : "server leg") + " did not show within " + OWN_PROBES_MILLIS + " ms");
                }
            }
            if (seg == null && (seg = own.next(untilFirst(CAPTURE_WAIT_NANOS, quietUntil, probesDue,
                                                          answers && !reprobed[0] ? reprobeAt[0] : Long.MAX_VALUE,
                                                          answers && !reprobed[1] ? reprobeAt[1] : Long.MAX_VALUE)))
                    == null) {
                continue;
            }
            for (int leg = 0; leg < 2; leg++) {
                InetSocketAddress local = leg == 0 ? r.vip() : r.proxyAddress();
                InetSocketAddress peer = leg == 0 ? r.client() : r.server();
                long sndUna = seqs[4 + leg];
                // The kernel's probe leaves at snd_una - 1 as it is when repair mode ends: an ACK that came in
                // after the read moved it up to snd_nxt. The socket's other pure segments carry snd_nxt or later.
                if (seg.isFrom(local, peer) && !seg.occupiesSequence()
                        && (seg.seq - (sndUna - 1) & MASK) <= (seqs[2 * leg] - sndUna & MASK)) {
                    probes[leg] = seg;
                } else if (seg.isFrom(local, peer) && seg.payloadLength == 1 && seg.seq == (sndUna - 1 & MASK)) {
                    duplicateSent[leg] = true;
                } else if (answers && seg.isFrom(peer, local) && seg.occupiesSequence()
                        && (int) (seg.seq + seg.payloadLength - end[leg]) > 0) {
                    if (System.nanoTime() > deadline) {
                        throw new PostponedException("a peer kept sending after the quiesce");
                    }
                    Segment sent = seg;
                    LOG.fine(() -> "hand-off " + r + ": sent before the zero window reached it: " + sent);
                    end[leg] = seg.seq + seg.payloadLength & MASK;
                    answered[leg] = false;
                    quietUntil = System.nanoTime() + wait;
                    // The peer's answer may have left before this payload (measured in the lab: a burst after the
                    // answer, then nothing until the re-probe at twice the RTT, or the probe timeout when the
                    // re-probe had been spent): probe again as soon as what it sent is read.
                    reprobed[leg] = false;
                    reprobeAt[leg] = System.nanoTime();
                } else if (seg.isFrom(peer, local) && (probes[leg] != null || duplicateSent[leg])
                        && !seg.occupiesSequence() && answersProbe(seg.seq, seqs[2 * leg + 1], end[leg])
                        && (!sack[leg] || seg.sackBlocks > 0 && seg.firstSackLeft == (sndUna - 1 & MASK))) {
                    answered[leg] = true;
                }
            }
        }
        lastToClient = probes[0];
        lastToServer = probes[1];
    }

    /*
     * Linux sends a window probe only on an ESTABLISHED socket: a peer's FIN that arrived after the last drain (a
     * client done with its requests closes as soon as the drain delivers the last answer) leaves its leg without
     * one. Seen in lab scenario 2 as a hand-off that waited out OWN_PROBES_MILLIS with both queues empty, the other
     * peer quiesced meanwhile. Such a connection ends; there is nothing to hand off.
     */
    private void requireEstablished() throws IOException {
        for (TcpSocket leg : new TcpSocket[] {c, s}) {
            int state = leg.info().state;
            if (state != TcpSocket.TcpInfo.STATE_ESTABLISHED) {
                throw new IOException("a leg is half-closed (the " + (leg == c ? "client" : "server")
                                              + " leg is in TCP state " + state + ")");
            }
        }
    }

    /*
     * On the relay's worker, relay paused, both peers frozen, both legs in repair mode since one more window probe
     * (probe, then awaitProbes), whose TSecr is the peer's newest accepted TSval and whose TSval the newest this
     * socket stamped: the legs' state, checked.
     */
    private LegState[] readLegs() throws IOException {
        clientHeard = Math.min(started, r.lastReadFromClientNanos());
        serverHeard = Math.min(started, r.lastReadFromServerNanos());
        for (TcpSocket t : new TcpSocket[] {c, s}) {
            if (t.info().state != TcpSocket.TcpInfo.STATE_ESTABLISHED) {
                throw new IOException("a leg left ESTABLISHED while quiesced");
            }
            if (t.inputQueued() != 0 || t.outputQueued() != 0) {
                throw new IOException("a leg's queue is not empty in repair mode");
            }
        }
        if (lastToClient.sacksOutOfOrderData() || lastToServer.sacksOutOfOrderData()) {
            throw new PostponedException("a leg holds out-of-order data (its probe SACKs data above its ACK)");
        }
        LegState client = LegState.read(c, lastToClient);
        LegState server = LegState.read(s, lastToServer);
        if (client.window.sndWnd == 0 || server.window.sndWnd == 0) {
            // The resume ACK carries the other endpoint's window; a zero one would leave the peer in persist
            // mode with only updates it must ignore (their seq is below the window-closing ACK's).
            throw new PostponedException("an endpoint's receive window is closed");
        }
        if (client.advertisedMss > server.mss || server.advertisedMss > client.mss) {
            throw new IOException("the legs' MSS differ: the proxy announced " + client.advertisedMss
                                          + " to the client, which announced " + client.mss
                                          + "; it announced " + server.advertisedMss
                                          + " to the server, which announced " + server.mss);
        }
        return new LegState[] {client, server};
    }

    /*
     * BYPASSED: the switch carries the connection from here, so nothing below brings the relay back (a relay resumed
     * beside the bypass would answer for a connection the switch now rewrites, and a fallback that fails resets it):
     * a step that fails is logged and the others still run. Each peer gets the window the other endpoint last
     * announced, in the bypass's numbering; incoming segments stay dropped (the freeze, then the straggler drop), so no
     * straggler meets a closed socket and draws an RST; only then do the sockets close in repair mode (no FIN, no RST)
     * while anything they send still says window 0.
     */
    private void handOver(LegState client, LegState server, String bypass) {
        List<String> failures = new ArrayList<>();
        attempt(failures, "resumed without spacing", () -> {
            if (owner.resumes.await() > 0) {
                steps.mark("spacing");
            }
        });
        attempt(failures, "cannot send the ACK reopening the client (its next window probe resumes it)", () -> reopen(
                r.vip(), r.client(), client.sndNxt, client.rcvNxt,
                window(restart(server.window.sndWnd, client.advertisedMss), client.localWindowShift),
                client.tsValOrNone(), serverHeard, client.peerTsVal));
        attempt(failures, "cannot send the ACK reopening the server (its next window probe resumes it)", () -> reopen(
                r.proxyAddress(), r.server(), server.sndNxt, server.rcvNxt,
                window(restart(client.window.sndWnd, server.advertisedMss), server.localWindowShift),
                server.tsValOrNone(), clientHeard, server.peerTsVal));
        long resumed = steps.mark("resume");
        // The freeze dropped the stragglers until now, the straggler drop takes over (the reopening does not wait for
        // this netlink round trip); without it the freeze drops them instead, for as long.
        frozen = !attempt(failures, "cannot drop its stragglers; the freeze does for " + RELEASED_DROP_SECONDS + " s",
                          () -> owner.filter.release(flows, RELEASED_DROP_SECONDS));
        if (frozen) {
            owner.retries.schedule(() -> {
                try {
                    owner.filter.unfreeze(flows);
                } catch (IOException e) {
                    LOG.log(Level.WARNING, "cannot lift the freeze of handed-off " + r, e);
                }
            }, RELEASED_DROP_SECONDS, TimeUnit.SECONDS);
        }
        steps.mark("release");
        // The endpoints talk through the switch from here on. The sockets, in repair mode, their incoming segments
        // dropped and anything they send still saying window 0 (the quiesce spares only the marked reopening ACKs),
        // close silently after the resumption: the endpoints' stall does not wait for the relay worker's turn
        // (6-9 ms median, up to 148 ms, with 50 hand-offs at once in the lab). Closed, the server leg's port is free
        // to be held, in the same turn. A worker that has not taken its turn in time still closes them when it does.
        CompletableFuture<Object> closed = r.worker().call(() -> {
            r.closeHandedOff();
            owner.ports.reserve(bypass, r.proxyAddress(), flows);
            return null;
        });
        attempt(failures, "the relay worker has not closed the sockets yet (they close in its turn)", () -> {
            closed.get(WORKER_CALL_SECONDS, TimeUnit.SECONDS);
            steps.mark("close");
        });
        attempt(failures, "cannot lift the quiesce", () -> owner.filter.thaw(flows, false));
        int[] tracked = {0};
        attempt(failures, "cannot delete the conntrack entries", () -> tracked[0] = owner.filter.forgetConnections(
                r.client(), r.vip(), r.proxyAddress(), r.server()));
        owner.metrics.offloaded(resumed - queuedAt, resumed - quiescedAt);
        LOG.info(() -> "handed off " + r + " as bypass " + bypass + " " + steps
                + (tracked[0] > 0 ? " (" + tracked[0] + " conntrack entries deleted)" : "")
                + (failures.isEmpty() ? "" : "; " + String.join("; ", failures)));
    }

    /** One step of a hand-over; a failure is logged and noted in {@code failures}, never thrown (see handOver). */
    private boolean attempt(List<String> failures, String failed, HandOverStep step) {
        try {
            step.run();
            return true;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            failures.add(failed);
            LOG.log(Level.WARNING, "hand-off of " + r + " as a bypass: " + failed, e);
            return false;
        }
    }

    private interface HandOverStep {
        void run() throws Exception;
    }

    /*
     * Anything but BYPASSED: the freeze and the quiesce are lifted, the relay resumes on the same sockets, and
     * each peer gets the ACK that reopens its window (the quiesce had closed it) with the proxy's real window.
     */
    private void fallBack(PacketCapture own) {
        try {
            r.worker().call(() -> {
                // A relay whose sockets were handed over has nothing to resume.
                if (r.state() == Relay.State.HANDED_OFF) {
                    return null;
                }
                // A relay that ended meanwhile has nothing to resume either, but its flows must leave the filter:
                // a later connection with the same addresses and ports would announce window 0 for good.
                if (r.state() == Relay.State.CLOSED) {
                    if (quiescedAt != 0) {
                        owner.filter.thaw(flows, frozen);
                        frozen = false;
                    }
                    return null;
                }
                if (quiescedAt != 0) {
                    requiesce();
                    drainOwn(own);
                    repair(true);
                    Resume toClient = new Resume(c, lastToClient);
                    Resume toServer = new Resume(s, lastToServer);
                    owner.filter.thaw(flows, frozen);
                    frozen = false;
                    repair(false);
                    toClient.send(r.vip(), r.client());
                    toServer.send(r.proxyAddress(), r.server());
                } else if (repaired) {
                    repair(false);
                }
                if (paused) {
                    r.resume();
                }
                return null;
            }).get(WORKER_CALL_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "cannot undo the quiesce of " + r + "; resetting it", e);
            r.worker().execute(r::abort);
        }
        owner.metrics.fallback(quiescedAt == 0 ? 0 : System.nanoTime() - quiescedAt);
    }

    /**
     * Reads what the capture holds, keeping the newest segment the proxy sent on each leg and the end of the furthest
     * payload from each peer.
     */
    private void drainOwn(PacketCapture own) throws IOException {
        if (own == null) {
            return;
        }
        for (Segment seg = own.poll(); seg != null; seg = own.poll()) {
            note(seg);
        }
    }

    /** Keeps a captured segment as the newest the proxy sent on its leg, or notes the end of a peer's payload. */
    private void note(Segment seg) {
        if (seg.isFrom(r.vip(), r.client())) {
            lastToClient = seg;
        } else if (seg.isFrom(r.proxyAddress(), r.server())) {
            lastToServer = seg;
        } else if (seg.payloadLength > 0 && seg.isFrom(r.client(), r.vip())) {
            notePeerSent(0, seg);
        } else if (seg.payloadLength > 0 && seg.isFrom(r.server(), r.proxyAddress())) {
            notePeerSent(1, seg);
        }
    }

    private void notePeerSent(int leg, Segment seg) {
        peerSent[leg] = furthest(seg.seq + seg.payloadLength & MASK, peerSent[leg]);
    }

    /*
     * On the worker. A peer that delays its ACK (Linux waits up to 40 ms to acknowledge a short tail when data flows
     * both ways) holds the drain for as long. On each leg with payload not yet acknowledged, a byte the peer already
     * has (at snd_una - 1, read in repair mode) draws an immediate ACK, as the barrier's probe does; the peer discards
     * the byte. Its seq lies below the barrier's (the drain ends only once that payload is acknowledged), so its
     * answer never passes for the barrier's. Without {@code send} it only reads the legs' queues and rechecks the
     * drain. Returns the client leg's unacknowledged and not sent bytes, then the server leg's.
     */
    private long[] nudge(boolean send) throws IOException {
        long[] queued = {c.outputQueued(), c.notSentQueued(), s.outputQueued(), s.notSentQueued()};
        boolean client = send && queued[0] > queued[1];
        boolean server = send && queued[2] > queued[3];
        if (client || server) {
            repair(true);
            long[] seqs = readSeqs();
            repair(false);
            if (client) {
                owner.raw.sendDuplicateByte(r.vip(), r.client(), seqs[4] - 1 & MASK, seqs[1], 0,
                                            newestStamp(c, null), 0);
            }
            if (server) {
                owner.raw.sendDuplicateByte(r.proxyAddress(), r.server(), seqs[5] - 1 & MASK, seqs[3], 0,
                                            newestStamp(s, null), 0);
            }
        }
        if (send) {
            LOG.fine(() -> "hand-off " + r + ": drain waiting; nudged the client " + client + ", the server " + server
                    + " (" + r.drainState() + ")");
        }
        r.checkDrainNow();
        return queued;
    }

    /**
     * A TSval for a crafted segment (seq sndNxt + 1) on a leg: ahead of the newest the socket sent or stamps now,
     * so PAWS passes it; the peer keeps no TSval of a segment beyond its rcv_nxt, so being ahead costs nothing.
     * -1 without timestamps.
     */
    private long stamp(TcpSocket socket, Segment lastOwn) throws IOException {
        long newest = newestStamp(socket, lastOwn);
        return newest < 0 ? -1 : newest + LegState.TS_FORWARD_BIAS & MASK;
    }

    /**
     * The newest TSval the socket stamped or stamps now, for a crafted segment the peer keeps the TSval of: the
     * socket's later segments are not older (they leave later). -1 without timestamps.
     */
    private long newestStamp(TcpSocket socket, Segment lastOwn) throws IOException {
        if (!socket.info().has(TcpSocket.TcpInfo.OPT_TIMESTAMPS)) {
            return -1;
        }
        long now = socket.timestamp();
        return lastOwn == null || lastOwn.tsVal < 0 ? now : LegState.newest(now, lastOwn.tsVal);
    }

    private void repair(boolean on) throws IOException {
        c.setRepair(on);
        s.setRepair(on);
        repaired = on;
    }

    private ObjectNode request(LegState clientLeg, LegState serverLeg) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("proxy", owner.config.name);
        o.put("deviceId", owner.config.deviceId);
        o.set("client", Offloader.endpoint(r.client()));
        o.set("vip", Offloader.endpoint(r.vip()));
        o.set("proxyAddress", Offloader.endpoint(r.proxyAddress()));
        o.set("server", Offloader.endpoint(r.server()));
        o.set("clientLeg", clientLeg.toJson());
        o.set("serverLeg", serverLeg.toJson());
        return o;
    }

    /** A leg's state for the ACK that resumes its peer after a fallback; the socket is in repair mode. */
    private final class Resume {
        private final long sndNxt;
        private final long rcvNxt;
        private final int window;
        private final long tsVal;
        private final long tsEcr;
        private final long stamped = System.nanoTime();
        private final boolean unsent;

        Resume(TcpSocket socket, Segment last) throws IOException {
            TcpSocket.TcpInfo info = socket.info();
            TcpSocket.RepairWindow w = socket.repairWindow();
            sndNxt = socket.sendQueueSeq();
            rcvNxt = socket.receiveQueueSeq();
            int shift = info.has(TcpSocket.TcpInfo.OPT_WSCALE) ? info.rcvWscale : 0;
            // Never 0: after the window-closing ACK (seq sndNxt + 1) the peer takes no window update at seq
            // sndNxt, so a zero here could leave it waiting for data the proxy may never send.
            window = Math.max(1, window(restart(w.rcvWup + w.rcvWnd - rcvNxt & 0xffffffffL, info.advMss),
                                        shift));
            boolean ts = info.has(TcpSocket.TcpInfo.OPT_TIMESTAMPS);
            tsVal = ts ? stamp(socket, last) : -1;
            tsEcr = ts && last != null ? last.tsEcr : 0;
            unsent = socket.notSentQueued() != 0;
        }

        void send(InetSocketAddress from, InetSocketAddress to) throws IOException {
            // With unsent data the queue's end is not snd_nxt; the socket's own segments carry its window.
            if (!unsent) {
                reopen(from, to, sndNxt, rcvNxt, window, tsVal, stamped, tsEcr);
            }
        }
    }

    /**
     * Reopens a peer's window closed by the quiesce: a pure ACK with seq = sndNxt + 1 like the one that closed it
     * (the peer takes no window update with an older seq and the same ack), sent now and twice more. A lost copy
     * must not leave the peer in persist mode for good: its probes are answered at seq sndNxt, which it ignores
     * until data moves. Later copies change nothing once a newer segment has updated the window. Each copy's TSval
     * is {@link #reopenTsVal} at the moment it leaves.
     */
    private void reopen(InetSocketAddress from, InetSocketAddress to, long sndNxt, long rcvNxt, int window,
                        long tsVal, long tsSince, long tsEcr) throws IOException {
        long seq = sndNxt + 1 & MASK;
        try {
            owner.raw.sendAck(from, to, seq, rcvNxt, window, reopenTsVal(tsVal, tsSince, System.nanoTime()), tsEcr);
        } finally {
            // The copies go whether or not the first could be sent (a send refused for lack of buffers may pass later).
            for (long delay : REOPEN_COPIES_MILLIS) {
                owner.retries.schedule(() -> {
                    try {
                        owner.raw.sendAck(from, to, seq, rcvNxt, window,
                                          reopenTsVal(tsVal, tsSince, System.nanoTime()), tsEcr);
                    } catch (IOException e) {
                        LOG.log(Level.FINE, "cannot send a copy of the ACK reopening " + to, e);
                    }
                }, delay, TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * Whether a pure segment with sequence number {@code seq} from a peer may answer the barrier's probe: a peer stamps
     * its segments with snd_nxt, or with the end of its send window when that is less (Linux's
     * tcp_acceptable_seq), so the answer's seq lies between the leg's rcvNxt as the probe read it (the peer
     * took the zero window there; payload past it did not reach the leg) and the end of the furthest payload seen
     * from it ({@code end}; payload that reached the leg after the read was acknowledged with the zero window, which
     * moves the window's end with it). Measured in the lab (2026-12-02 15:48): 4,192 bytes from the client reached
     * the leg between the read and the probe; its answers carried their end, 4,192 past the rcvNxt read, and the
     * barrier, which took only that rcvNxt, waited out the probe timeout. A seq past {@code end} is payload not
     * seen yet.
     */
    static boolean answersProbe(long seq, long rcvNxt, long end) {
        return (seq - rcvNxt & MASK) <= (end - rcvNxt & MASK);
    }

    /** The later of two sequence numbers (mod 2^32, as {@link LegState#newest}); {@code b} may be -1 (none). */
    private static long furthest(long a, long b) {
        return b < 0 ? a : LegState.newest(a, b);
    }

    /**
     * The TSval of a reopening ACK sent at {@code now}: {@code tsVal} advanced by the milliseconds since
     * {@code since} plus {@value #REOPEN_TS_LEAD} ticks; -1 (no timestamps) stays -1. Once the switch translates, the
     * other endpoint's segments reach the peer with TSvals that grow with that endpoint's clock from the moment it
     * stamped the TSval the proxy reported (no later than {@code since}), and they may arrive before the reopening
     * ACK: PAWS would drop an ACK older than them, leaving the peer in persist mode. The ACK's seq lies beyond the
     * peer's last ACK point, so the peer never keeps its TSval and being ahead costs nothing (docs/bypass-math.md).
     */
    static long reopenTsVal(long tsVal, long since, long now) {
        if (tsVal < 0) {
            return -1;
        }
        return tsVal + REOPEN_TS_LEAD + TimeUnit.NANOSECONDS.toMillis(Math.max(0, now - since)) & MASK;
    }

    /**
     * The window a resumed peer is first allowed: at most {@value #RESTART_SEGMENTS} segments (the initial window of
     * RFC 6928), so what it queued while quiesced does not leave in one burst; the next ACK from the other side
     * carries the real window.
     */
    static long restart(long window, int mss) {
        return Math.min(window, (long) RESTART_SEGMENTS * mss);
    }

    /** The 16-bit window field announcing {@code bytes} to a peer that shifts it left by {@code shift}. */
    static int window(long bytes, int shift) {
        return (int) Math.min(0xffff, Math.max(0, bytes) >>> shift);
    }

    /** The peers talked through a bypass that is gone, and the same legs could not be offloaded again. */
    private static final class SplitException extends IOException {
        private static final long serialVersionUID = 1L;
        private final long[] acknowledged;

        SplitException(String message, long[] acknowledged) {
            super(message);
            this.acknowledged = acknowledged;
        }
    }

    /** A hand-off that could not start cleanly (legs would not drain, data held out of order): try later. */
    private static final class PostponedException extends IOException {
        private static final long serialVersionUID = 1L;

        PostponedException(String message) {
            super(message);
        }
    }

    /**
     * Durations of a hand-off's steps, for the log, each with the time its thread waited for a CPU where that was
     * 1 ms or more: a slow step on a busy host is then told apart from one that waited for the network or a peer.
     */
    private static final class Steps {
        private static final long SHOWN_RUN_DELAY_NANOS = 1_000_000;
        private final StringBuilder text = new StringBuilder("after");
        private long last;
        private long lastRunDelay = RunDelay.nanos();

        Steps(long start) {
            last = start;
        }

        long mark(String step) {
            // The count first: reading it is a syscall the thread may be preempted in, a wait the next step shows.
            long runDelay = RunDelay.nanos();
            long now = System.nanoTime();
            text.append(' ').append(step).append(' ').append(millis(now - last)).append(" ms");
            if (runDelay != RunDelay.UNKNOWN && runDelay - lastRunDelay >= SHOWN_RUN_DELAY_NANOS) {
                text.append(" (").append(millis(runDelay - lastRunDelay)).append(" waiting for a CPU)");
            }
            last = now;
            lastRunDelay = runDelay;
            return now;
        }

        private static double millis(long nanos) {
            return nanos / 100_000 / 10.0;
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
