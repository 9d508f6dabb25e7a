package org.tcpbypass.lab.net;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.Closeable;
import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * Raw frames on one interface through an AF_PACKET socket: the controller's end of the switch's CPU port
 * (packet-in header first) and both ends of an impaired link.
 */
public final class FramePort implements Closeable {

    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final short ETH_P_ALL_BE = 0x0300;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int PACKET_OUTGOING = 4;
    private static final int SLL_SIZE = 20;
    private static final int MAX_FRAME = 9216;

    /** The libc calls the CPU port needs. */
    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int bind(int fd, Pointer addr, int len) throws LastErrorException;

        int setsockopt(int fd, int level, int name, Pointer value, int len) throws LastErrorException;

        long recvfrom(int fd, Pointer buf, long len, int flags, Pointer addr, Pointer addrLen);

        long send(int fd, Pointer buf, long len, int flags) throws LastErrorException;

        int if_nametoindex(String name);

        int close(int fd);
    }

    private final int fd;
    private final Memory buffer = new Memory(MAX_FRAME);
    private final Memory from = new Memory(SLL_SIZE);
    private final Memory fromLen = new Memory(4);

    /**
     * Opens the port.
     *
     * @param ifname     the controller's end of the CPU veth
     * @param pollMillis how long {@link #receive()} waits
     * @throws IOException when the socket cannot be opened (needs CAP_NET_RAW) or the interface is unknown
     */
    public FramePort(String ifname, int pollMillis) throws IOException {
        int index = LibC.INSTANCE.if_nametoindex(ifname);
        if (index == 0) {
            throw new IOException("no interface " + ifname);
        }
        try {
            fd = LibC.INSTANCE.socket(AF_PACKET, SOCK_RAW, ETH_P_ALL_BE);
        } catch (LastErrorException e) {
            throw new IOException("cannot open an AF_PACKET socket (needs CAP_NET_RAW): errno " + e.getErrorCode());
        }
        try {
            Memory tv = new Memory(16);
            tv.setLong(0, pollMillis / 1000);
            tv.setLong(8, (pollMillis % 1000) * 1000L);
            LibC.INSTANCE.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
            Memory sll = new Memory(SLL_SIZE);
            sll.clear();
            sll.setShort(0, (short) AF_PACKET);
            sll.setShort(2, ETH_P_ALL_BE);
            sll.setInt(4, index);
            LibC.INSTANCE.bind(fd, sll, SLL_SIZE);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw new IOException("cannot bind to " + ifname + ": errno " + e.getErrorCode());
        }
    }

    /**
     * Receives the next frame the switch sent to its CPU port.
     *
     * @return the frame, packet-in header first, or null when none came within the poll time
     */
    public byte[] receive() {
        while (true) {
            fromLen.setInt(0, SLL_SIZE);
            long n = LibC.INSTANCE.recvfrom(fd, buffer, MAX_FRAME, 0, from, fromLen);
            if (n < 0) {
                return null;
            }
            // Our own packet-outs show up as outgoing frames on this socket.
            if ((from.getByte(10) & 0xff) == PACKET_OUTGOING) {
                continue;
            }
            return Arrays.copyOf(buffer.getByteArray(0, (int) n), (int) n);
        }
    }

    /**
     * Sends a frame into the switch's CPU port.
     *
     * @param frame packet-out header first
     * @throws IOException when the kernel refuses
     */
    public void send(byte[] frame) throws IOException {
        Memory m = new Memory(frame.length);
        m.write(0, frame, 0, frame.length);
        try {
            LibC.INSTANCE.send(fd, m, frame.length, 0);
        } catch (LastErrorException e) {
            throw new IOException("packet-out failed: errno " + e.getErrorCode());
        }
    }

    /**
     * Sends one frame over and over at a steady rate until the deadline: a packet generator. Paced in bursts of
     * one millisecond, so that a generator offering more than a software switch takes leaves it the CPU.
     *
     * @param frame         the frame
     * @param perSecond     frames per second to offer
     * @param deadlineNanos {@link System#nanoTime()} to stop at
     * @return frames the kernel took
     */
    public long repeat(byte[] frame, int perSecond, long deadlineNanos) {
        Memory m = new Memory(frame.length);
        m.write(0, frame, 0, frame.length);
        long sent = 0;
        long start = System.nanoTime();
        long offered = 0;
        while (System.nanoTime() < deadlineNanos) {
            long due = (System.nanoTime() - start) * perSecond / 1_000_000_000L + perSecond / 1000;
            while (offered < due) {
                offered++;
                try {
                    LibC.INSTANCE.send(fd, m, frame.length, 0);
                    sent++;
                } catch (LastErrorException e) {
                    // ENOBUFS: the interface's queue is full; the offer is above what the switch takes anyway.
                }
            }
            LockSupport.parkNanos(1_000_000L);
        }
        return sent;
    }

    @Override
    public void close() {
        LibC.INSTANCE.close(fd);
    }
}
