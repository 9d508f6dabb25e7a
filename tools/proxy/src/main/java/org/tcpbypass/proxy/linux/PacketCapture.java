package org.tcpbypass.proxy.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * An AF_PACKET socket that sees chosen IPv4 TCP segments (to or from given endpoints, or of given flows) on every
 * interface of the current network namespace, both directions, incoming ones before the host's packet filter and
 * outgoing ones after it. A kernel BPF filter keeps the rest out, so a busy host does not fill its queue.
 */
public final class PacketCapture implements Closeable {
    private static final int AF_PACKET = 17;
    private static final int SOCK_DGRAM = 2;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVBUFFORCE = 33;
    private static final int SO_ATTACH_FILTER = 26;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final short POLLIN = 1;
    private static final int SNAP = 128;

    private final int fd;
    private final Memory buffer = new Memory(SNAP);
    private final Memory pollFd = new Memory(8);

    /**
     * Opens a capture of the segments whose source or destination is one of {@code endpoints}.
     *
     * @param endpoints IPv4 endpoints, at most 16
     * @param pureAcksOnly whether to keep only segments without payload (the kernel then drops the rest, so
     *                     heavy traffic cannot crowd them out of the socket's queue)
     */
    public PacketCapture(Collection<InetSocketAddress> endpoints, boolean pureAcksOnly) throws IOException {
        this(endpointFilter(new ArrayList<>(endpoints), pureAcksOnly));
    }

    /**
     * Opens a capture of exactly the segments of given flows (source, destination): the kernel's filter drops
     * every other connection's segments before they reach this socket.
     *
     * @param flows source and destination of each flow, in pairs; at most 8 flows
     */
    public static PacketCapture ofFlows(List<InetSocketAddress> flows) throws IOException {
        if (flows.isEmpty() || flows.size() % 2 != 0 || flows.size() > 16) {
            throw new IllegalArgumentException("capture needs 1..8 (source, destination) pairs, got " + flows);
        }
        return new PacketCapture(flowFilter(flows));
    }

    private PacketCapture(List<int[]> filter) throws IOException {
        try {
            fd = LibC.INSTANCE.socket(AF_PACKET, SOCK_DGRAM, 0);
        } catch (LastErrorException e) {
            throw new IOException("cannot open an AF_PACKET socket (needs CAP_NET_RAW): errno "
                                          + e.getErrorCode(), e);
        }
        try {
            attachFilter(filter);
            setSocketInt(SO_RCVBUFFORCE, 4 << 20);
            pollFd.setInt(0, fd);
            pollFd.setShort(4, POLLIN);
            pollFd.setShort(6, (short) 0);
            Memory sll = new Memory(20);
            sll.clear();
            sll.setShort(0, (short) AF_PACKET);
            // ETH_P_ALL: a socket bound to ETH_P_IP would not see the host's outgoing segments.
            sll.setByte(2, (byte) 0x00);
            sll.setByte(3, (byte) 0x03);
            LibC.INSTANCE.bind(fd, sll, 20);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw new IOException("cannot set up the packet capture: errno " + e.getErrorCode(), e);
        }
    }

    /**
     * The next matching segment, or null when none came within {@code timeoutNanos} (rounded up to the millisecond).
     * poll(2) waits on a high-resolution timer; a socket receive timeout (SO_RCVTIMEO) counts in scheduler ticks, and
     * at 250 Hz a 5 ms one waited 12 ms.
     */
    public Segment next(long timeoutNanos) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        while (true) {
            Segment s = poll();
            long left = deadline - System.nanoTime();
            if (s != null || left <= 0) {
                return s;
            }
            try {
                // Rounded up: a shorter wait would spin.
                int millis = (int) Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000);
                if (LibC.INSTANCE.poll(pollFd, 1, millis) == 0) {
                    return null;
                }
            } catch (LastErrorException e) {
                if (e.getErrorCode() != EINTR) {
                    throw new IOException("packet capture poll failed: errno " + e.getErrorCode(), e);
                }
            }
        }
    }

    /** The next already queued segment, or null when none is queued. */
    public Segment poll() throws IOException {
        return receive(MSG_DONTWAIT);
    }

    private Segment receive(int flags) throws IOException {
        while (true) {
            long n;
            try {
                n = LibC.INSTANCE.recv(fd, buffer, SNAP, flags);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == EAGAIN) {
                    return null;
                }
                throw new IOException("packet capture read failed: errno " + e.getErrorCode(), e);
            }
            ByteBuffer p = buffer.getByteBuffer(0, Math.min(n, SNAP)).order(ByteOrder.BIG_ENDIAN);
            Segment s = Segment.parse(p, System.nanoTime());
            if (s != null) {
                return s;
            }
        }
    }

    @Override
    public void close() {
        LibC.INSTANCE.close(fd);
    }

    private void setSocketInt(int option, int value) {
        Memory m = new Memory(4);
        m.setInt(0, value);
        LibC.INSTANCE.setsockopt(fd, SOL_SOCKET, option, m, 4);
    }

    /* Accepts IPv4 TCP with (saddr, sport) or (daddr, dport) in the endpoint list; offsets are from the IP header. */
    private static List<int[]> endpointFilter(List<InetSocketAddress> endpoints, boolean pureAcksOnly) {
        if (endpoints.isEmpty() || endpoints.size() > 16) {
            throw new IllegalArgumentException("capture needs 1..16 endpoints, got " + endpoints.size());
        }
        List<int[]> prog = new ArrayList<>();
        int checks = endpoints.size() * 2;
        int afterChecks = 3 + checks * 4;
        int accept = afterChecks + 1;
        prog.add(insn(0x30, 0, 0, 9));
        prog.add(insn(0x15, 0, afterChecks - 2, 6));
        prog.add(insn(0xb1, 0, 0, 0));
        for (int side = 0; side < 2; side++) {
            for (InetSocketAddress e : endpoints) {
                int here = prog.size();
                prog.add(insn(0x20, 0, 0, side == 0 ? 12 : 16));
                prog.add(insn(0x15, 0, 2, Segment.ipv4(e)));
                prog.add(insn(0x48, 0, 0, side == 0 ? 0 : 2));
                prog.add(insn(0x15, accept - (here + 4), 0, e.getPort()));
            }
        }
        prog.add(insn(0x06, 0, 0, 0));
        if (pureAcksOnly) {
            // A = ip length - (4 * ihl + 4 * doff); X still holds 4 * ihl
            prog.add(insn(0x50, 0, 0, 12));
            prog.add(insn(0x54, 0, 0, 0xf0));
            prog.add(insn(0x74, 0, 0, 2));
            prog.add(insn(0x0c, 0, 0, 0));
            prog.add(insn(0x02, 0, 0, 0));
            prog.add(insn(0x28, 0, 0, 2));
            prog.add(insn(0x61, 0, 0, 0));
            prog.add(insn(0x1c, 0, 0, 0));
            prog.add(insn(0x15, 0, 1, 0));
            prog.add(insn(0x06, 0, 0, SNAP));
            prog.add(insn(0x06, 0, 0, 0));
        } else {
            prog.add(insn(0x06, 0, 0, SNAP));
        }
        return prog;
    }

    /* Accepts IPv4 TCP whose (saddr, sport, daddr, dport) is one of the flows; offsets are from the IP header. */
    private static List<int[]> flowFilter(List<InetSocketAddress> flows) {
        int n = flows.size() / 2;
        int reject = 3 + 8 * n;
        List<int[]> prog = new ArrayList<>();
        prog.add(insn(0x30, 0, 0, 9));
        prog.add(insn(0x15, 0, reject - 2, 6));
        prog.add(insn(0xb1, 0, 0, 0));
        for (int i = 0; i < n; i++) {
            InetSocketAddress from = flows.get(2 * i);
            InetSocketAddress to = flows.get(2 * i + 1);
            int here = prog.size();
            prog.add(insn(0x20, 0, 0, 12));
            prog.add(insn(0x15, 0, 6, Segment.ipv4(from)));
            prog.add(insn(0x20, 0, 0, 16));
            prog.add(insn(0x15, 0, 4, Segment.ipv4(to)));
            prog.add(insn(0x48, 0, 0, 0));
            prog.add(insn(0x15, 0, 2, from.getPort()));
            prog.add(insn(0x48, 0, 0, 2));
            prog.add(insn(0x15, reject + 1 - (here + 8), 0, to.getPort()));
        }
        prog.add(insn(0x06, 0, 0, 0));
        prog.add(insn(0x06, 0, 0, SNAP));
        return prog;
    }

    private void attachFilter(List<int[]> prog) {
        Memory code = new Memory(8L * prog.size());
        for (int i = 0; i < prog.size(); i++) {
            int[] in = prog.get(i);
            code.setShort(8L * i, (short) in[0]);
            code.setByte(8L * i + 2, (byte) in[1]);
            code.setByte(8L * i + 3, (byte) in[2]);
            code.setInt(8L * i + 4, in[3]);
        }
        Memory fprog = new Memory(16);
        fprog.clear();
        fprog.setShort(0, (short) prog.size());
        fprog.setPointer(8, code);
        LibC.INSTANCE.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fprog, 16);
    }

    private static int[] insn(int code, int jt, int jf, int k) {
        return new int[] {code, jt, jf, k};
    }
}
