package org.tcpbypass.proxy.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.ptr.IntByReference;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.channels.NetworkChannel;

/**
 * Linux TCP socket options of one connected socket, by file descriptor: repair mode, queue sequence numbers,
 * window state, TCP_INFO, timestamps and queue sizes.
 */
public final class TcpSocket {
    private static final int SOL_TCP = 6;
    private static final int TCP_MAXSEG = 2;
    private static final int TCP_INFO = 11;
    private static final int TCP_REPAIR = 19;
    private static final int TCP_REPAIR_QUEUE = 20;
    private static final int TCP_QUEUE_SEQ = 21;
    private static final int TCP_TIMESTAMP = 24;
    private static final int TCP_QUICKACK = 12;
    private static final int TCP_NOTSENT_LOWAT = 25;
    private static final int TCP_REPAIR_WINDOW = 29;
    private static final int SOL_SOCKET = 1;
    private static final int SO_OOBINLINE = 10;
    private static final int SO_MEMINFO = 55;
    private static final int SK_MEMINFO_BYTES = 64;
    private static final int TCP_RECV_QUEUE = 1;
    private static final int TCP_SEND_QUEUE = 2;
    private static final long SIOCINQ = 0x541B;
    private static final long SIOCOUTQ = 0x5411;
    private static final long SIOCOUTQNSD = 0x894B;
    private static final int TCP_INFO_LENGTH = 104;
    private static final Method FD_VAL = fdValMethod();

    private final int fd;

    private TcpSocket(int fd) {
        this.fd = fd;
    }

    /** The socket behind a JDK channel (needs {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}). */
    public static TcpSocket of(NetworkChannel channel) {
        try {
            return new TcpSocket((Integer) FD_VAL.invoke(channel));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read the file descriptor of " + channel, e);
        }
    }

    /**
     * Checks that channel file descriptors are reachable, so a missing JVM flag fails at start-up.
     *
     * @throws IllegalStateException naming the JVM flag when they are not
     */
    public static void checkAccess() {
        if (FD_VAL == null) {
            throw new IllegalStateException(
                    "socket file descriptors are not accessible: run the JVM with "
                            + "--add-opens java.base/sun.nio.ch=ALL-UNNAMED");
        }
    }

    private static Method fdValMethod() {
        try {
            Method m = Class.forName("sun.nio.ch.SelChImpl").getMethod("getFDVal");
            m.setAccessible(true);
            return m;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** File descriptor. */
    public int fd() {
        return fd;
    }

    /** Enters (true) or leaves (false) repair mode; leaving sends a window probe, which the peer answers. */
    public void setRepair(boolean on) throws IOException {
        setInt(TCP_REPAIR, on ? 1 : 0, "TCP_REPAIR");
    }

    /** Next sequence number to send (repair mode, send queue empty: snd_nxt). */
    public long sendQueueSeq() throws IOException {
        setInt(TCP_REPAIR_QUEUE, TCP_SEND_QUEUE, "TCP_REPAIR_QUEUE");
        return getInt(TCP_QUEUE_SEQ, "TCP_QUEUE_SEQ") & 0xffffffffL;
    }

    /** Next sequence number expected from the peer (repair mode: rcv_nxt). */
    public long receiveQueueSeq() throws IOException {
        setInt(TCP_REPAIR_QUEUE, TCP_RECV_QUEUE, "TCP_REPAIR_QUEUE");
        return getInt(TCP_QUEUE_SEQ, "TCP_QUEUE_SEQ") & 0xffffffffL;
    }

    /** Window state (repair mode). */
    public RepairWindow repairWindow() throws IOException {
        Memory m = new Memory(20);
        get(TCP_REPAIR_WINDOW, m, "TCP_REPAIR_WINDOW");
        return new RepairWindow(u32(m, 0), u32(m, 4), u32(m, 8), u32(m, 12), u32(m, 16));
    }

    /** The TSval this socket sends now. */
    public long timestamp() throws IOException {
        return getInt(TCP_TIMESTAMP, "TCP_TIMESTAMP") & 0xffffffffL;
    }

    /** Current TCP_INFO. */
    public TcpInfo info() throws IOException {
        Memory m = new Memory(TCP_INFO_LENGTH);
        m.clear();
        get(TCP_INFO, m, "TCP_INFO");
        int scales = m.getByte(6) & 0xff;
        return new TcpInfo(m.getByte(0) & 0xff, m.getByte(5) & 0xff, scales & 0xf, scales >>> 4,
                           m.getInt(16), m.getInt(24), m.getInt(68), m.getInt(84), m.getInt(8), m.getByte(4) & 0xff);
    }

    /** Acknowledges received data at once instead of delaying the ACK (until the kernel leaves quick-ACK mode). */
    public void quickAck() throws IOException {
        setInt(TCP_QUICKACK, 1, "TCP_QUICKACK");
    }

    /**
     * Relay settings: urgent data stays in the byte stream (SO_OOBINLINE, so relaying reads it instead of losing
     * it) and at most {@code notSentBytes} written bytes wait unsent in the kernel (TCP_NOTSENT_LOWAT, so a
     * hand-off's drain finds little to flush).
     */
    public void relaySettings(int notSentBytes) throws IOException {
        set(SOL_SOCKET, SO_OOBINLINE, 1, "SO_OOBINLINE");
        setInt(TCP_NOTSENT_LOWAT, notSentBytes, "TCP_NOTSENT_LOWAT");
    }

    /** Limits the MSS this socket announces (on a listening socket: for the connections it accepts). */
    public void setMaxSegment(int mss) throws IOException {
        setInt(TCP_MAXSEG, mss, "TCP_MAXSEG");
    }

    /** Bytes received and not yet read. */
    public int inputQueued() throws IOException {
        return ioctl(SIOCINQ, "SIOCINQ");
    }

    /**
     * Memory the socket holds for received data (SO_MEMINFO's rmem_alloc, buffer sizes included): with nothing
     * unread ({@link #inputQueued()} 0) it is data received above a hole, waiting for the peer to fill it.
     */
    public int receiveMemory() throws IOException {
        Memory m = new Memory(SK_MEMINFO_BYTES);
        m.clear();
        get(SOL_SOCKET, SO_MEMINFO, m, "SO_MEMINFO");
        return m.getInt(0);
    }

    /** Bytes written and not yet acknowledged by the peer. */
    public int outputQueued() throws IOException {
        return ioctl(SIOCOUTQ, "SIOCOUTQ");
    }

    /** Bytes written and not yet sent. */
    public int notSentQueued() throws IOException {
        return ioctl(SIOCOUTQNSD, "SIOCOUTQNSD");
    }

    private int ioctl(long request, String name) throws IOException {
        IntByReference v = new IntByReference();
        try {
            LibC.INSTANCE.ioctl(fd, request, v);
        } catch (LastErrorException e) {
            throw error(name, e);
        }
        return v.getValue();
    }

    private void setInt(int option, int value, String name) throws IOException {
        set(SOL_TCP, option, value, name);
    }

    private void set(int level, int option, int value, String name) throws IOException {
        Memory m = new Memory(4);
        m.setInt(0, value);
        try {
            LibC.INSTANCE.setsockopt(fd, level, option, m, 4);
        } catch (LastErrorException e) {
            throw error(name, e);
        }
    }

    private int getInt(int option, String name) throws IOException {
        Memory m = new Memory(4);
        get(option, m, name);
        return m.getInt(0);
    }

    private void get(int option, Memory m, String name) throws IOException {
        get(SOL_TCP, option, m, name);
    }

    private void get(int level, int option, Memory m, String name) throws IOException {
        IntByReference length = new IntByReference((int) m.size());
        try {
            LibC.INSTANCE.getsockopt(fd, level, option, m, length);
        } catch (LastErrorException e) {
            throw error(name, e);
        }
    }

    private IOException error(String name, LastErrorException e) {
        return new IOException(name + " on fd " + fd + " failed: errno " + e.getErrorCode(), e);
    }

    private static long u32(Memory m, long offset) {
        return m.getInt(offset) & 0xffffffffL;
    }

    /** struct tcp_repair_window. */
    public static final class RepairWindow {
        public final long sndWl1;
        public final long sndWnd;
        public final long maxWindow;
        public final long rcvWnd;
        public final long rcvWup;

        RepairWindow(long sndWl1, long sndWnd, long maxWindow, long rcvWnd, long rcvWup) {
            this.sndWl1 = sndWl1;
            this.sndWnd = sndWnd;
            this.maxWindow = maxWindow;
            this.rcvWnd = rcvWnd;
            this.rcvWup = rcvWup;
        }

        @Override
        public String toString() {
            return "snd_wl1=" + sndWl1 + " snd_wnd=" + sndWnd + " max_window=" + maxWindow
                    + " rcv_wnd=" + rcvWnd + " rcv_wup=" + rcvWup;
        }
    }

    /** The TCP_INFO fields the proxy uses. */
    public static final class TcpInfo {
        public static final int OPT_TIMESTAMPS = 1;
        public static final int OPT_SACK = 2;
        public static final int OPT_WSCALE = 4;
        /** ECN negotiated in the handshake (TCPI_OPT_ECN). */
        public static final int OPT_ECN = 8;
        public static final int STATE_ESTABLISHED = 1;
        private static final int TIMESTAMP_OPTION_BYTES = 12;

        public final int state;
        public final int options;
        /** Shift the peer announced. */
        public final int sndWscale;
        /** Shift this socket announced. */
        public final int rcvWscale;
        public final int sndMss;
        public final int unacked;
        /** Smoothed RTT, microseconds. */
        public final int rttMicros;
        /** MSS this socket announced. */
        public final int advMss;
        /** Retransmission timeout, microseconds, backoff included. */
        public final int rtoMicros;
        /** The retransmission or window-probe timer's exponent: timeouts in a row without progress. */
        public final int backoff;

        TcpInfo(int state, int options, int sndWscale, int rcvWscale, int sndMss, int unacked, int rttMicros,
                int advMss, int rtoMicros, int backoff) {
            this.state = state;
            this.options = options;
            this.sndWscale = sndWscale;
            this.rcvWscale = rcvWscale;
            this.sndMss = sndMss;
            this.unacked = unacked;
            this.rttMicros = rttMicros;
            this.advMss = advMss;
            this.rtoMicros = rtoMicros;
            this.backoff = backoff;
        }

        /** Whether an option bit (OPT_*) was negotiated. */
        public boolean has(int option) {
            return (options & option) != 0;
        }

        /** The MSS option the peer announced, as far as the path lets it be used: the send MSS plus options. */
        public int peerMss() {
            return sndMss + (has(OPT_TIMESTAMPS) ? TIMESTAMP_OPTION_BYTES : 0);
        }
    }
}
