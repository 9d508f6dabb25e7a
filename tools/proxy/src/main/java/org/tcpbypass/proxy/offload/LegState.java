package org.tcpbypass.proxy.offload;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.tcpbypass.proxy.linux.TcpSocket;

import java.io.IOException;

/** One leg's TCP state at hand-off, as the offload protocol's {@code leg} object names it. */
public final class LegState {
    private static final int TIMESTAMP_OPTION_BYTES = 12;

    public final long sndNxt;
    public final long rcvNxt;
    public final int localWindowShift;
    public final int peerWindowShift;
    public final int mss;
    public final boolean sackPermitted;
    public final boolean timestamps;
    public final long tsVal;
    public final long peerTsVal;
    /** Window state, logged (the protocol carries the shifts, not the windows). */
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
        // Linux exposes the send MSS less the timestamp option, capped by the path MTU, not the peer's MSS option.
        this.mss = info.sndMss + (timestamps ? TIMESTAMP_OPTION_BYTES : 0);
        this.tsVal = tsVal;
        this.peerTsVal = peerTsVal;
        this.window = window;
    }

    /**
     * Reads a leg whose socket is in repair mode with empty queues.
     *
     * @param peerTsVal the peer's latest TSval (ignored when timestamps were not negotiated)
     */
    public static LegState read(TcpSocket socket, long peerTsVal) throws IOException {
        TcpSocket.TcpInfo info = socket.info();
        boolean ts = info.has(TcpSocket.TcpInfo.OPT_TIMESTAMPS);
        return new LegState(socket.sendQueueSeq(), socket.receiveQueueSeq(), info, ts ? socket.timestamp() : 0,
                            ts ? peerTsVal : 0, socket.repairWindow());
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
