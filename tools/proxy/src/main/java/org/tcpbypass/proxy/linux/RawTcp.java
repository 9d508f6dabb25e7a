package org.tcpbypass.proxy.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A raw IPv4 socket (IPPROTO_RAW, so the segment carries its own IP header) that sends crafted segments on a
 * leg's behalf: pure ACKs (the window update that resumes a peer the hand-off had quiesced with a zero window), a
 * duplicate byte that draws an answer at once, and an RST. Sending is thread-safe: each call fills its own buffer.
 */
public final class RawTcp implements Closeable {
    private static final int AF_INET = 2;
    private static final int SOCK_RAW = 3;
    private static final int IPPROTO_RAW = 255;
    private static final int IP_DF = 0x4000;
    private static final int TTL = 64;
    private static final int SOL_SOCKET = 1;
    private static final int SO_MARK = 36;
    /** The firewall mark of crafted segments: the hand-off filter keeps conntrack from tracking them. */
    public static final int MARK = 0x74627970;

    private final int fd;

    /** Opens the socket (needs CAP_NET_RAW). */
    public RawTcp() throws IOException {
        try {
            fd = LibC.INSTANCE.socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
        } catch (LastErrorException e) {
            throw new IOException("cannot open a raw IPv4 socket (needs CAP_NET_RAW): errno " + e.getErrorCode(), e);
        }
        Memory mark = new Memory(4);
        mark.setInt(0, MARK);
        try {
            LibC.INSTANCE.setsockopt(fd, SOL_SOCKET, SO_MARK, mark, 4);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw new IOException("cannot mark the raw socket (needs CAP_NET_ADMIN): errno " + e.getErrorCode(), e);
        }
    }

    /**
     * Sends one pure ACK {@code from -> to}.
     *
     * @param window the 16-bit window field, already scaled down by the shift the receiver applies
     * @param tsVal  TSval, or -1 to send no timestamps option
     * @param tsEcr  TSecr (ignored without TSval)
     */
    public void sendAck(InetSocketAddress from, InetSocketAddress to, long seq, long ack, int window, long tsVal,
                        long tsEcr) throws IOException {
        send(to, ack(from, to, seq, ack, window, tsVal, tsEcr, 0));
    }

    /**
     * Sends one ACK {@code from -> to} carrying one byte at {@code seq}, a byte the receiver already has (seq =
     * what it acknowledged - 1): it is in the receiver's window, so no out-of-window rate limit applies, and the
     * receiver discards the byte and answers at once, with a D-SACK block for it where SACK was negotiated.
     *
     * @param window the 16-bit window field, already scaled down by the shift the receiver applies
     * @param tsVal  TSval, or -1 to send no timestamps option; the receiver keeps it (the segment starts at or below
     *               its last ACK point), so it must not be ahead of what the sender stamps later
     * @param tsEcr  TSecr (ignored without TSval)
     */
    public void sendDuplicateByte(InetSocketAddress from, InetSocketAddress to, long seq, long ack, int window,
                                  long tsVal, long tsEcr) throws IOException {
        send(to, ack(from, to, seq, ack, window, tsVal, tsEcr, 1));
    }

    /**
     * Sends one RST {@code from -> to} at {@code seq}, without timestamps: the receiver takes it only at exactly its
     * rcv_nxt (RFC 5961), and a segment with RST is exempt from PAWS.
     */
    public void sendReset(InetSocketAddress from, InetSocketAddress to, long seq) throws IOException {
        send(to, segment(from, to, Segment.RST, seq, 0, 0, -1, 0, 0));
    }

    private void send(InetSocketAddress to, byte[] segment) throws IOException {
        Memory packet = new Memory(segment.length);
        packet.write(0, segment, 0, segment.length);
        Memory sin = new Memory(16);
        sin.clear();
        sin.setShort(0, (short) AF_INET);
        sin.write(4, Segment.ipv4Bytes(to), 0, 4);
        try {
            LibC.INSTANCE.sendto(fd, packet, segment.length, 0, sin, 16);
        } catch (LastErrorException e) {
            throw new IOException("cannot send a segment to " + to + ": errno " + e.getErrorCode(), e);
        }
    }

    /** The IPv4 packet of an ACK with {@code payload} zero bytes and checksums. */
    static byte[] ack(InetSocketAddress from, InetSocketAddress to, long seq, long ack, int window, long tsVal,
                      long tsEcr, int payload) {
        return segment(from, to, Segment.ACK, seq, ack, window, tsVal, tsEcr, payload);
    }

    /** The IPv4 packet of a segment with {@code flags} and {@code payload} zero bytes, and checksums. */
    static byte[] segment(InetSocketAddress from, InetSocketAddress to, int flags, long seq, long ack, int window,
                          long tsVal, long tsEcr, int payload) {
        if (window < 0 || window > 0xffff) {
            throw new IllegalArgumentException("window field out of range: " + window);
        }
        int headerLength = tsVal < 0 ? 20 : 32;
        int tcpLength = headerLength + payload;
        ByteBuffer p = ByteBuffer.allocate(20 + tcpLength).order(ByteOrder.BIG_ENDIAN);
        byte[] src = Segment.ipv4Bytes(from);
        byte[] dst = Segment.ipv4Bytes(to);
        p.put((byte) 0x45).put((byte) 0).putShort((short) (20 + tcpLength)).putShort((short) 0)
                .putShort((short) IP_DF).put((byte) TTL).put((byte) 6).putShort((short) 0).put(src).put(dst);
        p.putShort(0 + 10, (short) checksum(p.array(), 0, 20, 0));
        int t = 20;
        p.putShort((short) from.getPort()).putShort((short) to.getPort()).putInt((int) seq).putInt((int) ack)
                .put((byte) (headerLength / 4 << 4)).put((byte) flags).putShort((short) window)
                .putShort((short) 0).putShort((short) 0);
        if (tsVal >= 0) {
            p.put((byte) 1).put((byte) 1).put((byte) 8).put((byte) 10).putInt((int) tsVal).putInt((int) tsEcr);
        }
        long pseudo = sum(src, 0, 4) + sum(dst, 0, 4) + 6 + tcpLength;
        p.putShort(t + 16, (short) checksum(p.array(), t, tcpLength, pseudo));
        return p.array();
    }

    private static long sum(byte[] b, int off, int len) {
        long s = 0;
        for (int i = 0; i < len; i += 2) {
            s += (b[off + i] & 0xff) << 8 | (i + 1 < len ? b[off + i + 1] & 0xff : 0);
        }
        return s;
    }

    /** The Internet checksum (RFC 1071) of {@code len} bytes at {@code off}, plus {@code initial}. */
    static int checksum(byte[] b, int off, int len, long initial) {
        long s = initial + sum(b, off, len);
        while (s >>> 16 != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) ~s & 0xffff;
    }

    @Override
    public void close() {
        LibC.INSTANCE.close(fd);
    }
}
