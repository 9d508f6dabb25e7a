package org.tcpbypass.proxy.linux;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** One captured IPv4 TCP segment: the header fields the hand-off cares about. */
public final class Segment {
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int ACK = 0x10;

    public final InetSocketAddress source;
    public final InetSocketAddress destination;
    public final long seq;
    public final long ack;
    public final int flags;
    public final int window;
    public final int payloadLength;
    /** TSval, or -1 without a timestamps option. */
    public final long tsVal;
    /** TSecr, or -1 without a timestamps option. */
    public final long tsEcr;
    /** MSS option, or -1. */
    public final int mss;
    /** Window-scale option's shift, or -1. */
    public final int windowShift;
    /** Whether the SACK-permitted option is present. */
    public final boolean sackPermitted;
    /** Number of SACK blocks (0 without a SACK option). */
    public final int sackBlocks;
    /** Left edge of the first SACK block (a D-SACK's duplicate), or -1 without one. */
    public final long firstSackLeft;
    /** {@link System#nanoTime()} when the segment was read. */
    public final long nanos;

    private Segment(InetSocketAddress source, InetSocketAddress destination, long seq, long ack, int flags,
                    int window, int payloadLength, long tsVal, long tsEcr, int mss, int windowShift,
                    boolean sackPermitted, int sackBlocks, long firstSackLeft, long nanos) {
        this.source = source;
        this.destination = destination;
        this.seq = seq;
        this.ack = ack;
        this.flags = flags;
        this.window = window;
        this.payloadLength = payloadLength;
        this.tsVal = tsVal;
        this.tsEcr = tsEcr;
        this.mss = mss;
        this.windowShift = windowShift;
        this.sackPermitted = sackPermitted;
        this.sackBlocks = sackBlocks;
        this.firstSackLeft = firstSackLeft;
        this.nanos = nanos;
    }

    /** Parses an IPv4 packet; null when it is not a complete TCP segment. */
    static Segment parse(ByteBuffer p, long nanos) {
        if (p.remaining() < 40 || (p.get(0) & 0xf0) != 0x40 || p.get(9) != 6) {
            return null;
        }
        int ihl = (p.get(0) & 0x0f) * 4;
        int total = p.getShort(2) & 0xffff;
        int doff = ((p.get(ihl + 12) & 0xf0) >>> 4) * 4;
        if (p.remaining() < ihl + doff) {
            return null;
        }
        long tsVal = -1;
        long tsEcr = -1;
        int mss = -1;
        int shift = -1;
        boolean sack = false;
        int sackBlocks = 0;
        long firstSackLeft = -1;
        int i = ihl + 20;
        while (i < ihl + doff) {
            int kind = p.get(i) & 0xff;
            if (kind == 0) {
                break;
            }
            if (kind == 1) {
                i++;
                continue;
            }
            if (i + 1 >= ihl + doff) {
                break;
            }
            int len = p.get(i + 1) & 0xff;
            if (len < 2 || i + len > ihl + doff) {
                break;
            }
            if (kind == 8 && len == 10) {
                tsVal = p.getInt(i + 2) & 0xffffffffL;
                tsEcr = p.getInt(i + 6) & 0xffffffffL;
            } else if (kind == 2 && len == 4) {
                mss = p.getShort(i + 2) & 0xffff;
            } else if (kind == 3 && len == 3) {
                shift = p.get(i + 2) & 0xff;
            } else if (kind == 4 && len == 2) {
                sack = true;
            } else if (kind == 5 && (len - 2) % 8 == 0) {
                sackBlocks = (len - 2) / 8;
                firstSackLeft = sackBlocks > 0 ? p.getInt(i + 2) & 0xffffffffL : -1;
            }
            i += len;
        }
        return new Segment(address(p, 12, ihl), address(p, 16, ihl + 2),
                           p.getInt(ihl + 4) & 0xffffffffL, p.getInt(ihl + 8) & 0xffffffffL,
                           p.get(ihl + 13) & 0x3f, p.getShort(ihl + 14) & 0xffff,
                           total - ihl - doff, tsVal, tsEcr, mss, shift, sack, sackBlocks, firstSackLeft, nanos);
    }

    private static InetSocketAddress address(ByteBuffer p, int ipOffset, int portOffset) {
        byte[] ip = new byte[4];
        for (int k = 0; k < 4; k++) {
            ip[k] = p.get(ipOffset + k);
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), p.getShort(portOffset) & 0xffff);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Whether this segment goes from {@code from} to {@code to}. */
    public boolean isFrom(InetSocketAddress from, InetSocketAddress to) {
        return source.equals(from) && destination.equals(to);
    }

    /**
     * Whether the sender reports data held above its cumulative ACK: a SACK block other than a leading D-SACK (a
     * first block starting below the ACK reports a duplicate it received, not a hole; RFC 2883).
     */
    public boolean sacksOutOfOrderData() {
        boolean dsack = sackBlocks > 0 && (int) (firstSackLeft - ack) < 0;
        return sackBlocks > (dsack ? 1 : 0);
    }

    /** Whether this segment carries payload or FIN (occupies sequence space). */
    public boolean occupiesSequence() {
        return payloadLength > 0 || (flags & (FIN | SYN)) != 0;
    }

    @Override
    public String toString() {
        return source + " > " + destination + " flags=0x" + Integer.toHexString(flags) + " seq=" + seq
                + " ack=" + ack + " len=" + payloadLength + " win=" + window + " ts=" + tsVal + "/" + tsEcr;
    }

    static int ipv4(InetSocketAddress a) {
        return ByteBuffer.wrap(ipv4Bytes(a)).getInt();
    }

    static byte[] ipv4Bytes(InetSocketAddress a) {
        if (!(a.getAddress() instanceof Inet4Address)) {
            throw new IllegalArgumentException("not an IPv4 address: " + a);
        }
        return a.getAddress().getAddress();
    }
}
