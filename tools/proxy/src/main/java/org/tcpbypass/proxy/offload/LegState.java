package org.tcpbypass.proxy.offload;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.tcpbypass.proxy.linux.Segment;
import org.tcpbypass.proxy.linux.TcpSocket;

import java.io.IOException;

/** One leg's TCP state at hand-off, as the offload protocol's {@code leg} object names it. */
public final class LegState {
    /**
     * Added to the TSval the proxy reports (ms ticks): the translated TSvals then start that far ahead of anything
     * either side has stamped, which covers a peer's ACK stamped ahead of its clock by pacing (docs/bypass-math.md,
     * "Timestamps"). Jumping forward is harmless; PAWS rejects only going back.
     */
    static final long TS_FORWARD_BIAS = 50;

    public final long sndNxt;
    public final long rcvNxt;
    public final int localWindowShift;
    public final int peerWindowShift;
    /** The MSS the peer announced, as the path lets it be used. */
    public final int mss;
    public final boolean sackPermitted;
    public final boolean timestamps;
    /**
     * ECN negotiated on this leg. Only this is reported: whether an ECN-capable segment arrived yet
     * (TCPI_OPT_ECN_SEEN) does not change what either endpoint does after the hand-off.
     */
    public final boolean ecn;
    public final long tsVal;
    public final long peerTsVal;
    /** The MSS the proxy announced on this leg. */
    public final int advertisedMss;
    /** Window state: the peer's window ({@code snd_wnd}) resumes the other peer after the hand-off. */
    public final TcpSocket.RepairWindow window;

    private LegState(long sndNxt, long rcvNxt, TcpSocket.TcpInfo info, long tsVal, long peerTsVal,
                     TcpSocket.RepairWindow window) {
        this.sndNxt = sndNxt;
        this.rcvNxt = rcvNxt;
        boolean scaled = info.has(TcpSocket.TcpInfo.OPT_WSCALE);
        this.localWindowShift = scaled ? info.rcvWscale : 0;
        this.peerWindowShift = scaled ? info.sndWscale : 0;
        this.sackPermitted = info.has(TcpSocket.TcpInfo.OPT_SACK);
        this.timestamps = info.has(TcpSocket.TcpInfo.OPT_TIMESTAMPS);
        this.ecn = info.has(TcpSocket.TcpInfo.OPT_ECN);
        // Linux exposes the send MSS less the timestamp option, capped by the path MTU, not the peer's MSS option.
        this.mss = info.peerMss();
        this.advertisedMss = info.advMss;
        this.tsVal = tsVal;
        this.peerTsVal = peerTsVal;
        this.window = window;
    }

    /**
     * Reads a leg whose socket is in repair mode with empty queues.
     *
     * @param lastOwn the newest segment the proxy sent on this leg: its TSecr is the peer's newest accepted TSval
     *                (a lower bound of the peer's clock), its TSval the newest this socket stamped
     */
    public static LegState read(TcpSocket socket, Segment lastOwn) throws IOException {
        TcpSocket.TcpInfo info = socket.info();
        boolean ts = info.has(TcpSocket.TcpInfo.OPT_TIMESTAMPS);
        if (ts && lastOwn.tsVal < 0) {
            throw new IOException("timestamps were negotiated but the proxy's own segment carries none: " + lastOwn);
        }
        long tsVal = ts ? newest(socket.timestamp(), lastOwn.tsVal) + TS_FORWARD_BIAS & 0xffffffffL : 0;
        return new LegState(socket.sendQueueSeq(), socket.receiveQueueSeq(), info, tsVal, ts ? lastOwn.tsEcr : 0,
                            socket.repairWindow());
    }

    /** The newer of two TSvals (mod 2^32). */
    static long newest(long a, long b) {
        return (int) (b - a) > 0 ? b : a;
    }

    /** TSval for a segment on this leg, or -1 when timestamps were not negotiated. */
    long tsValOrNone() {
        return timestamps ? tsVal : -1;
    }

    /** The protocol's JSON {@code leg} object. */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("sndNxt", sndNxt);
        o.put("rcvNxt", rcvNxt);
        o.put("localWindowShift", localWindowShift);
        o.put("peerWindowShift", peerWindowShift);
        o.put("mss", mss);
        o.put("sackPermitted", sackPermitted);
        o.put("timestamps", timestamps);
        o.put("ecn", ecn);
        if (timestamps) {
            o.put("tsVal", tsVal);
            o.put("peerTsVal", peerTsVal);
        }
        return o;
    }

    @Override
    public String toString() {
        return toJson() + " " + window;
    }
}
