package org.tcpbypass.proxy.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One nfnetlink_queue queue bound by this process: the kernel hands it each packet an NFQUEUE rule sends there
 * (with the first {@value #COPY_BYTES} bytes, enough for the IPv4 and TCP headers' addresses and ports) and holds
 * the packet until a verdict names it. Packets the queue cannot take (full, or the socket's buffer full) are
 * accepted by the kernel unchanged (fail-open), never dropped. {@link #receive} is for one thread,
 * {@link #accept} for another.
 */
public final class PacketQueue implements Closeable {
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int NETLINK_NETFILTER = 12;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVBUFFORCE = 33;
    private static final int SO_RCVTIMEO = 20;
    private static final int NLMSG_ERROR = 2;
    private static final int NLM_F_REQUEST = 0x1;
    private static final int NLM_F_ACK = 0x4;
    private static final int NFNL_SUBSYS_QUEUE = 3;
    private static final int NFQNL_MSG_PACKET = 0;
    private static final int NFQNL_MSG_VERDICT = 1;
    private static final int NFQNL_MSG_CONFIG = 2;
    private static final int NFQNL_CFG_CMD_BIND = 1;
    private static final int NFQNL_COPY_PACKET = 2;
    private static final int NFQA_CFG_F_FAIL_OPEN = 1;
    private static final int NFQA_CFG_F_GSO = 4;
    private static final int NF_ACCEPT = 1;
    private static final int EPERM = 1;
    private static final int ENOBUFS = 105;
    private static final int EAGAIN = 11;
    /** Bytes of each packet copied to the proxy: an IPv4 header with options, then the TCP ports. */
    public static final int COPY_BYTES = 64;
    private static final int RECEIVE_BUFFER = 256 * 1024;
    private static final int SOCKET_BUFFER = 32 << 20;

    private final int fd;
    private final int queue;
    private final Memory in = new Memory(RECEIVE_BUFFER);
    private final Memory verdict = new Memory(64);

    /** A packet the queue holds: its id (for the verdict) and its first bytes. */
    public interface Handler {
        void packet(int id, ByteBuffer head);
    }

    /**
     * Binds queue {@code queue} (fails when another process holds it) holding at most {@code maxLength} packets.
     *
     * @throws IOException naming the kernel's errno
     */
    public PacketQueue(int queue, int maxLength) throws IOException {
        this.queue = queue;
        try {
            fd = LibC.INSTANCE.socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
        } catch (LastErrorException e) {
            throw new IOException("cannot open a netfilter netlink socket: errno " + e.getErrorCode(), e);
        }
        try {
            Memory nl = new Memory(12);
            nl.clear();
            nl.setShort(0, (short) AF_NETLINK);
            LibC.INSTANCE.bind(fd, nl, 12);
            Memory size = new Memory(4);
            size.setInt(0, SOCKET_BUFFER);
            LibC.INSTANCE.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, size, 4);
            Memory tv = new Memory(16);
            tv.setLong(0, 0);
            tv.setLong(8, 200_000);
            LibC.INSTANCE.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
            configure(maxLength);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw new IOException("cannot set up netfilter queue " + queue + ": errno " + e.getErrorCode(), e);
        } catch (IOException e) {
            LibC.INSTANCE.close(fd);
            throw e;
        }
    }

    /* Binds the queue, copies COPY_BYTES of each packet, whole GSO packets, fail-open; waits for the kernel's ack. */
    private void configure(int maxLength) throws IOException {
        Memory out = new Memory(128);
        ByteBuffer b = out.getByteBuffer(0, 128).order(ByteOrder.nativeOrder());
        Netlink.header(b, NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_CONFIG, NLM_F_REQUEST | NLM_F_ACK, 1, 0, queue);
        Netlink.bytes(b, 1, new byte[] {NFQNL_CFG_CMD_BIND, 0, 0, 0});
        Netlink.bytes(b, 2, ByteBuffer.allocate(5).putInt(COPY_BYTES).put((byte) NFQNL_COPY_PACKET).array());
        Netlink.bytes(b, 3, ByteBuffer.allocate(4).putInt(maxLength).array());
        int flags = NFQA_CFG_F_FAIL_OPEN | NFQA_CFG_F_GSO;
        Netlink.bytes(b, 4, ByteBuffer.allocate(4).putInt(flags).array());
        Netlink.bytes(b, 5, ByteBuffer.allocate(4).putInt(flags).array());
        Netlink.end(b, 0);
        LibC.INSTANCE.send(fd, out, b.position(), 0);
        long n = LibC.INSTANCE.recv(fd, in, RECEIVE_BUFFER, 0);
        ByteBuffer r = in.getByteBuffer(0, n).order(ByteOrder.nativeOrder());
        if (n < 20 || (r.getShort(4) & 0xffff) != NLMSG_ERROR) {
            throw new IOException("netfilter queue " + queue + ": unexpected answer to its configuration");
        }
        int errno = -r.getInt(16);
        if (errno != 0) {
            throw new IOException("cannot bind netfilter queue " + queue + " (errno " + errno
                                          + (errno == EPERM ? ": another process holds it" : "") + ")");
        }
    }

    /**
     * Waits up to 200 ms for packets and hands each to {@code handler}, in the order the kernel queued them.
     *
     * @return whether the socket's buffer overflowed since the last call (the kernel then accepted packets unheld)
     */
    public boolean receive(Handler handler) throws IOException {
        long n;
        try {
            n = LibC.INSTANCE.recv(fd, in, RECEIVE_BUFFER, 0);
        } catch (LastErrorException e) {
            if (e.getErrorCode() == ENOBUFS) {
                return true;
            }
            if (e.getErrorCode() == EAGAIN) {
                return false;
            }
            throw new IOException("netfilter queue " + queue + ": receive failed: errno " + e.getErrorCode(), e);
        }
        ByteBuffer r = in.getByteBuffer(0, n).order(ByteOrder.nativeOrder());
        while (r.remaining() >= 20) {
            int start = r.position();
            int length = r.getInt(start);
            if (length < 20 || start + length > r.limit()) {
                break;
            }
            if ((r.getShort(start + 4) & 0xffff) == (NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_PACKET)) {
                packet(r, start + 20, start + length, handler);
            }
            r.position(Math.min(r.limit(), start + (length + 3 & ~3)));
        }
        return false;
    }

    private static void packet(ByteBuffer r, int at, int end, Handler handler) {
        int id = -1;
        ByteBuffer head = null;
        while (at + 4 <= end) {
            int length = r.getShort(at) & 0xffff;
            int type = r.getShort(at + 2) & 0x3fff;
            if (length < 4) {
                break;
            }
            if (type == 1) {
                id = r.order(ByteOrder.BIG_ENDIAN).getInt(at + 4);
                r.order(ByteOrder.nativeOrder());
            } else if (type == 10) {
                head = r.duplicate().position(at + 4).limit(at + length).slice().order(ByteOrder.BIG_ENDIAN);
            }
            at += length + 3 & ~3;
        }
        if (id != -1 && head != null) {
            handler.packet(id, head);
        }
    }

    /** Lets packet {@code id} go on unchanged. */
    public void accept(int id) throws IOException {
        ByteBuffer b = verdict.getByteBuffer(0, 64).order(ByteOrder.nativeOrder());
        Netlink.header(b, NFNL_SUBSYS_QUEUE << 8 | NFQNL_MSG_VERDICT, NLM_F_REQUEST, 0, 0, queue);
        Netlink.bytes(b, 2, ByteBuffer.allocate(8).putInt(NF_ACCEPT).putInt(id).array());
        Netlink.end(b, 0);
        try {
            LibC.INSTANCE.send(fd, verdict, b.position(), 0);
        } catch (LastErrorException e) {
            throw new IOException("netfilter queue " + queue + ": verdict failed: errno " + e.getErrorCode(), e);
        }
    }

    /** Unbinds the queue; the kernel drops the packets still waiting for a verdict. */
    @Override
    public void close() {
        LibC.INSTANCE.close(fd);
    }
}
