package org.tcpbypass.proxy.linux;

import java.io.IOException;
import java.nio.file.Files;
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

    private RunDelay() {
    }

    /** Nanoseconds the calling thread has spent runnable and not running since it started, or {@link #UNKNOWN}. */
    public static long nanos() {
        try {
            String[] fields = Files.readString(SCHEDSTAT).trim().split(" ");
            return Long.parseLong(fields[1]);
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }
}
