package org.tcpbypass.proxy.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * How long the calling thread has waited on a run queue: runnable, but another task had the CPU (the second field of
 * /proc/thread-self/schedstat, kept by every kernel built with CONFIG_SCHED_INFO). A step that took long with little
 * CPU time is either blocked (on I/O, a lock, another thread) or waiting for a CPU; this tells the two apart.
 */
public final class RunDelay {
    /** What {@link #nanos()} answers where the kernel keeps no such count. */
    public static final long UNKNOWN = -1;
    private static final Path SCHEDSTAT = Paths.get("/proc/thread-self/schedstat");
    /*
     * Each thread reads into its own small buffer: a hand-off reads this at every step, and reading it as a String
     * allocated about 8 KB a time, the proxy's second largest allocation in lab scenario 7 (JFR, 2026-12-03).
     */
    private static final ThreadLocal<ByteBuffer> BUFFER = ThreadLocal.withInitial(() -> ByteBuffer.allocate(128));

    private RunDelay() {
    }

    /** Nanoseconds the calling thread has spent runnable and not running since it started, or {@link #UNKNOWN}. */
    public static long nanos() {
        ByteBuffer b = BUFFER.get();
        b.clear();
        try (FileChannel schedstat = FileChannel.open(SCHEDSTAT)) {
            while (b.hasRemaining() && schedstat.read(b) > 0) {
                continue;
            }
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
        return secondField(b.flip());
    }

    /* The second of the space-separated decimal fields in b, or UNKNOWN. */
    static long secondField(ByteBuffer b) {
        int i = 0;
        int n = b.limit();
        while (i < n && b.get(i) != ' ') {
            i++;
        }
        i++;
        long value = 0;
        int digits = 0;
        for (; i < n && b.get(i) >= '0' && b.get(i) <= '9'; i++, digits++) {
            value = value * 10 + (b.get(i) - '0');
        }
        return digits == 0 || digits > 18 ? UNKNOWN : value;
    }
}
