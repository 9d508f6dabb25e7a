package org.tcpbypass.proxy.linux;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.io.IOException;

/**
 * A kernel pipe that moves bytes from one socket to another with splice(2): the payload's pages change hands
 * inside the kernel and are never copied into the JVM. Non-blocking on both ends; not thread-safe.
 */
public final class Pipe implements AutoCloseable {
    private static final int O_NONBLOCK = 0x800;
    private static final int O_CLOEXEC = 0x80000;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int SPLICE_F_MOVE = 1;
    private static final int SPLICE_F_NONBLOCK = 2;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    /** Asked of each splice into the pipe: the pipe takes what fits in its slots. */
    private static final long MAX_CHUNK = 1 << 30;
    /**
     * Each pipe slot holds one page or one segment's fragment, however small: fewer than 16 slots (the kernel's
     * default) would relay a window in many rounds.
     */
    private static final int MIN_BYTES = 16 * 4096;

    static {
        // Direct mapping: a splice per relay event must cost about what a read does, not a reflective proxy call.
        Native.register(Pipe.class, "c");
    }

    private final int readFd;
    private final int writeFd;
    private long queued;
    private boolean closed;

    private Pipe(int readFd, int writeFd) {
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    /**
     * Opens a pipe of {@code bytes}, at least 64 KiB (rounded up by the kernel to whole pages; capped by
     * /proc/sys/fs/pipe-max-size for processes without CAP_SYS_RESOURCE, in which case the default size stays).
     *
     * @param bytes wanted capacity
     * @return the pipe
     * @throws IOException when no pipe can be made (e.g. out of file descriptors)
     */
    public static Pipe open(int bytes) throws IOException {
        int[] fds = new int[2];
        if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
            throw new IOException("pipe2: " + errnoText(Native.getLastError()));
        }
        Pipe p = new Pipe(fds[0], fds[1]);
        // A smaller pipe still relays, in more rounds: a refused size is not an error.
        fcntl(fds[1], F_SETPIPE_SZ, Math.max(bytes, MIN_BYTES));
        return p;
    }

    /**
     * Moves what the socket has into the pipe, as much as its slots take.
     *
     * @param socketFd a non-blocking socket
     * @return bytes moved; 0 when nothing was ready or the pipe is full; -1 at end of stream
     * @throws IOException on a socket error (e.g. reset)
     */
    public long fill(int socketFd) throws IOException {
        while (true) {
            long n = splice(socketFd, null, writeFd, null, MAX_CHUNK, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (n > 0) {
                queued += n;
                return n;
            }
            if (n == 0) {
                return -1;
            }
            int errno = Native.getLastError();
            if (errno == EAGAIN) {
                return 0;
            }
            if (errno != EINTR) {
                throw new IOException("splice from socket: " + errnoText(errno));
            }
        }
    }

    /**
     * Moves what the pipe holds into the socket, as much as its send buffer takes.
     *
     * @param socketFd a non-blocking socket
     * @return bytes moved; 0 when the socket takes nothing now
     * @throws IOException on a socket error (e.g. reset, broken pipe)
     */
    public long flush(int socketFd) throws IOException {
        while (queued > 0) {
            long n = splice(readFd, null, socketFd, null, queued, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (n > 0) {
                queued -= n;
                return n;
            }
            int errno = Native.getLastError();
            if (errno == EAGAIN) {
                return 0;
            }
            if (errno != EINTR) {
                throw new IOException("splice to socket: " + errnoText(errno));
            }
        }
        return 0;
    }

    /** Bytes in the pipe: read from one socket, not yet written to the other. */
    public long queued() {
        return queued;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            close(readFd);
            close(writeFd);
        }
    }

    private static String errnoText(int errno) {
        return strerror(errno) + " (errno " + errno + ")";
    }

    private static native int pipe2(int[] fds, int flags);

    private static native int fcntl(int fd, int cmd, int arg);

    private static native long splice(int fdIn, Pointer offIn, int fdOut, Pointer offOut, long length, int flags);

    private static native int close(int fd);

    private static native String strerror(int errno);
}
