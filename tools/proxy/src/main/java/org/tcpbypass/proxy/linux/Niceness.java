package org.tcpbypass.proxy.linux;

import com.sun.jna.LastErrorException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

/**
 * Nice values of this process's threads. Linux schedules threads one by one: setpriority(2) with a thread id changes
 * that thread only.
 */
public final class Niceness {
    private static final int PRIO_PROCESS = 0;
    private static final int EPERM = 1;
    private static final int ESRCH = 3;
    private static final int EACCES = 13;
    private static final Path TASKS = Paths.get("/proc/self/task");

    private Niceness() {
    }

    /**
     * Sets the calling thread's nice value (only this thread's: see the class comment). A value below the thread's
     * current one needs CAP_SYS_NICE (or RLIMIT_NICE); without it nothing changes.
     *
     * @param nice -20 (highest priority) to 19
     * @return true if set, false if not permitted
     */
    public static boolean setForCallingThread(int nice) throws IOException {
        try {
            LibC.INSTANCE.setpriority(PRIO_PROCESS, LibC.INSTANCE.gettid(), nice);
            return true;
        } catch (LastErrorException e) {
            if (e.getErrorCode() == EACCES || e.getErrorCode() == EPERM) {
                return false;
            }
            throw new IOException("cannot set this thread's nice value to " + nice + ": errno " + e.getErrorCode(), e);
        }
    }

    /**
     * Whether a thread name (comm) is one a stop-the-world pause runs on: HotSpot's "VM Thread", which runs every
     * safepoint operation, and its parallel GC workers ("GC Thread#N").
     */
    public static boolean isPauseWorker(String threadName) {
        return threadName.startsWith("VM Thread") || threadName.startsWith("GC Thread#");
    }

    /**
     * Raises HotSpot's pause workers ({@link #isPauseWorker}) to {@code nice} where theirs is higher. Every thread
     * stops for a garbage collection or another safepoint operation until these have done it, so a hand-off thread
     * raised above them waits for them at their priority: in lab scenario 7 at nice 0 beside BMv2 at nice −20, the
     * proxy's young collections of 8 to 12 MB took up to 239 ms. The JVM starts GC workers as it needs them, so this
     * is called again from time to time.
     *
     * @param nice -20 (highest priority) to 19
     * @return how many threads were raised, or -1 if raising needs CAP_SYS_NICE this process lacks (none changed)
     */
    public static int raisePauseWorkers(int nice) throws IOException {
        int raised = 0;
        try (Stream<Path> tasks = Files.list(TASKS)) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String name;
                try {
                    name = Files.readString(task.resolve("comm"));
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (!isPauseWorker(name)) {
                    continue;
                }
                int tid = Integer.parseInt(task.getFileName().toString());
                try {
                    int current = LibC.INSTANCE.getpriority(PRIO_PROCESS, tid);
                    if (current > nice) {
                        LibC.INSTANCE.setpriority(PRIO_PROCESS, tid, nice);
                        raised++;
                    }
                } catch (LastErrorException e) {
                    if (e.getErrorCode() == EACCES || e.getErrorCode() == EPERM) {
                        return -1;
                    }
                    // ESRCH: the thread ended meanwhile.
                    if (e.getErrorCode() != ESRCH) {
                        throw new IOException("cannot set thread " + tid + " (" + name.trim() + ") to nice " + nice
                                                      + ": errno " + e.getErrorCode(), e);
                    }
                }
            }
        }
        return raised;
    }
}
