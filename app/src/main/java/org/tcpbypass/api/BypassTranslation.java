package org.tcpbypass.api;

import com.google.common.base.MoreObjects;

import java.util.Objects;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static org.tcpbypass.api.LegState.MAX_U32;

/**
 * The per-direction rewrite of a bypassed connection (all arithmetic mod 2^32), derived from both legs' state:
 * {@code D_cs = snd_nxt(server leg) - rcv_nxt(client leg)}, {@code D_sc = snd_nxt(client leg) - rcv_nxt(server leg)},
 * {@code T_cs = tsval(server leg) - peer_tsval(client leg)}, {@code T_sc = tsval(client leg) - peer_tsval(server leg)}.
 * Toward the server SEQ gains {@code D_cs}, ACK and SACK edges lose {@code D_sc}, TSval gains {@code T_cs}, TSecr loses
 * {@code T_sc}; toward the client the roles swap.
 */
public final class BypassTranslation {

    /** Largest value of the 16-bit TCP window field. */
    public static final int MAX_WINDOW_FIELD = 0xFFFF;

    private final long seqDeltaToServer;
    private final long seqDeltaToClient;
    private final long tsOffsetToServer;
    private final long tsOffsetToClient;
    private final int clientWindowShift;
    private final int proxyToServerWindowShift;
    private final int serverWindowShift;
    private final int proxyToClientWindowShift;
    private final long clientHandOffSeq;
    private final long serverHandOffSeq;

    private BypassTranslation(long seqDeltaToServer, long seqDeltaToClient,
                              long tsOffsetToServer, long tsOffsetToClient,
                              int clientWindowShift, int proxyToServerWindowShift,
                              int serverWindowShift, int proxyToClientWindowShift,
                              long clientHandOffSeq, long serverHandOffSeq) {
        this.seqDeltaToServer = seqDeltaToServer;
        this.seqDeltaToClient = seqDeltaToClient;
        this.tsOffsetToServer = tsOffsetToServer;
        this.tsOffsetToClient = tsOffsetToClient;
        this.clientWindowShift = clientWindowShift;
        this.proxyToServerWindowShift = proxyToServerWindowShift;
        this.serverWindowShift = serverWindowShift;
        this.proxyToClientWindowShift = proxyToClientWindowShift;
        this.clientHandOffSeq = clientHandOffSeq;
        this.serverHandOffSeq = serverHandOffSeq;
    }

    /**
     * Derives the translation from both legs' state at hand-off.
     *
     * @param clientLeg state of the proxy's client-leg socket
     * @param serverLeg state of the proxy's server-leg socket
     * @return translation
     * @throws IllegalArgumentException if the legs negotiated different SACK, timestamp or ECN options, which the
     *                                  switch cannot reconcile
     */
    public static BypassTranslation of(LegState clientLeg, LegState serverLeg) {
        checkNotNull(clientLeg, "clientLeg");
        checkNotNull(serverLeg, "serverLeg");
        checkArgument(clientLeg.timestamps() == serverLeg.timestamps(),
                      "timestamps: negotiated on one leg only (client leg %s, server leg %s)",
                      clientLeg.timestamps(), serverLeg.timestamps());
        checkArgument(clientLeg.sackPermitted() == serverLeg.sackPermitted(),
                      "sackPermitted: negotiated on one leg only (client leg %s, server leg %s)",
                      clientLeg.sackPermitted(), serverLeg.sackPermitted());
        // One ECN-capable peer and one that is not: CE marks on the capable peer's segments would reach a receiver
        // that ignores them, so routers that mark instead of dropping would defeat congestion control (RFC 3168).
        checkArgument(clientLeg.ecn() == serverLeg.ecn(),
                      "ecn: negotiated on one leg only (client leg %s, server leg %s)",
                      clientLeg.ecn(), serverLeg.ecn());
        return new BypassTranslation(
                u32(serverLeg.sndNxt() - clientLeg.rcvNxt()),
                u32(clientLeg.sndNxt() - serverLeg.rcvNxt()),
                clientLeg.timestamps() ? u32(serverLeg.tsVal() - clientLeg.peerTsVal()) : 0,
                clientLeg.timestamps() ? u32(clientLeg.tsVal() - serverLeg.peerTsVal()) : 0,
                clientLeg.peerWindowShift(), serverLeg.localWindowShift(),
                serverLeg.peerWindowShift(), clientLeg.localWindowShift(),
                clientLeg.rcvNxt(), serverLeg.rcvNxt());
    }

    private static long u32(long value) {
        return value & MAX_U32;
    }

    /**
     * Returns the value added to SEQ in the given direction (and subtracted from ACK/SACK in the other).
     *
     * @param direction direction
     * @return seq delta, 0..2^32-1
     */
    public long seqDelta(BypassDirection direction) {
        return direction == BypassDirection.TO_SERVER ? seqDeltaToServer : seqDeltaToClient;
    }

    /**
     * Returns the value subtracted from ACK and from every SACK edge in the given direction.
     *
     * @param direction direction
     * @return ack delta, 0..2^32-1
     */
    public long ackDelta(BypassDirection direction) {
        return seqDelta(opposite(direction));
    }

    /**
     * Returns the value added to TSval in the given direction (and subtracted from TSecr in the other).
     *
     * @param direction direction
     * @return TSval offset, 0..2^32-1; 0 without timestamps
     */
    public long tsValDelta(BypassDirection direction) {
        return direction == BypassDirection.TO_SERVER ? tsOffsetToServer : tsOffsetToClient;
    }

    /**
     * Returns the value subtracted from TSecr in the given direction.
     *
     * @param direction direction
     * @return TSecr offset, 0..2^32-1; 0 without timestamps
     */
    public long tsEcrDelta(BypassDirection direction) {
        return tsValDelta(opposite(direction));
    }

    /**
     * Returns the shift that turns the window field the sender wrote into bytes.
     *
     * @param direction direction
     * @return sender's announced shift
     */
    public int windowShiftIn(BypassDirection direction) {
        return direction == BypassDirection.TO_SERVER ? clientWindowShift : serverWindowShift;
    }

    /**
     * Returns the shift the receiver applies to the window field, i.e. the one the proxy announced to it.
     *
     * @param direction direction
     * @return receiver-side shift
     */
    public int windowShiftOut(BypassDirection direction) {
        return direction == BypassDirection.TO_SERVER ? proxyToServerWindowShift : proxyToClientWindowShift;
    }

    /**
     * Returns the sender's next SEQ at the hand-off, in its own numbering: everything before it was delivered and
     * acknowledged, so the receiver's window starts there until the receiver acknowledges through the switch.
     *
     * @param direction direction
     * @return the sending peer's SEQ at the hand-off ({@code rcvNxt} of its leg), 0..2^32-1
     */
    public long handOffSeq(BypassDirection direction) {
        return direction == BypassDirection.TO_SERVER ? clientHandOffSeq : serverHandOffSeq;
    }

    /**
     * Returns the largest window the receiver can announce, in bytes: the 16-bit field at its maximum, shifted by the
     * receiver's own window scale. A FIN or RST beyond it is out of any window the receiver may have opened.
     *
     * @param direction direction
     * @return 65535 shifted left by the receiver's shift
     */
    public long maxWindow(BypassDirection direction) {
        return (long) MAX_WINDOW_FIELD << windowShiftIn(opposite(direction));
    }

    /**
     * Maps a SEQ number.
     *
     * @param direction direction
     * @param seq       SEQ as sent
     * @return SEQ as received
     */
    public long mapSeq(BypassDirection direction, long seq) {
        return u32(seq + seqDelta(direction));
    }

    /**
     * Maps an ACK number or a SACK block edge.
     *
     * @param direction direction
     * @param ack       ACK or SACK edge as sent
     * @return value as received
     */
    public long mapAck(BypassDirection direction, long ack) {
        return u32(ack - ackDelta(direction));
    }

    /**
     * Maps a TSval.
     *
     * @param direction direction
     * @param tsVal     TSval as sent
     * @return TSval as received
     */
    public long mapTsVal(BypassDirection direction, long tsVal) {
        return u32(tsVal + tsValDelta(direction));
    }

    /**
     * Maps a TSecr.
     *
     * @param direction direction
     * @param tsEcr     TSecr as sent
     * @return TSecr as received
     */
    public long mapTsEcr(BypassDirection direction, long tsEcr) {
        return u32(tsEcr - tsEcrDelta(direction));
    }

    /**
     * Maps the 16-bit window field, rounding down so the window is never overstated, capped at 65535.
     *
     * @param direction direction
     * @param window    window field as sent
     * @return window field as received
     */
    public int mapWindow(BypassDirection direction, int window) {
        long bytes = ((long) window) << windowShiftIn(direction);
        return (int) Math.min(MAX_WINDOW_FIELD, bytes >> windowShiftOut(direction));
    }

    /**
     * Returns the other direction.
     *
     * @param direction direction
     * @return the opposite direction
     */
    public static BypassDirection opposite(BypassDirection direction) {
        return direction == BypassDirection.TO_SERVER ? BypassDirection.TO_CLIENT : BypassDirection.TO_SERVER;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BypassTranslation)) {
            return false;
        }
        BypassTranslation that = (BypassTranslation) o;
        return seqDeltaToServer == that.seqDeltaToServer && seqDeltaToClient == that.seqDeltaToClient
                && tsOffsetToServer == that.tsOffsetToServer && tsOffsetToClient == that.tsOffsetToClient
                && clientWindowShift == that.clientWindowShift
                && proxyToServerWindowShift == that.proxyToServerWindowShift
                && serverWindowShift == that.serverWindowShift
                && proxyToClientWindowShift == that.proxyToClientWindowShift
                && clientHandOffSeq == that.clientHandOffSeq && serverHandOffSeq == that.serverHandOffSeq;
    }

    @Override
    public int hashCode() {
        return Objects.hash(seqDeltaToServer, seqDeltaToClient, tsOffsetToServer, tsOffsetToClient,
                            clientWindowShift, proxyToServerWindowShift, serverWindowShift,
                            proxyToClientWindowShift, clientHandOffSeq, serverHandOffSeq);
    }

    @Override
    public String toString() {
        return MoreObjects.toStringHelper(this)
                .add("seqDeltaToServer", seqDeltaToServer).add("seqDeltaToClient", seqDeltaToClient)
                .add("tsOffsetToServer", tsOffsetToServer).add("tsOffsetToClient", tsOffsetToClient)
                .add("windowToServer", clientWindowShift + ">>" + proxyToServerWindowShift)
                .add("windowToClient", serverWindowShift + ">>" + proxyToClientWindowShift)
                .add("clientHandOffSeq", clientHandOffSeq).add("serverHandOffSeq", serverHandOffSeq)
                .toString();
    }
}
