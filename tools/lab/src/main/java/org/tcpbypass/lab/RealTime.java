package org.tcpbypass.lab;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real-time (SCHED_FIFO) scheduling for the lab's stand-ins of machines of their own: the switch (BMv2, a process)
 * and the endpoints' applications (threads of the lab). On this kernel (no preemption in the kernel, a 4 ms tick, a
 * running thread keeps its slice against a waking one) a waking thread at any niceness waits up to a tick behind the
 * proxy, the controller or a JIT compiler on the two shared cores; a real-time one runs at once. Such threads must
 * block when idle: nothing of lower priority runs on a CPU they keep busy (beyond the kernel's throttling).
 */
public final class RealTime {

    /** The switch's priority: above the endpoints, as a switch's forwarding does not wait for any host. */
    public static final int SWITCH_PRIORITY = 2;
    /** The endpoints' applications' priority. */
    public static final int ENDPOINT_PRIORITY = 1;

    private static final int SCHED_FIFO = 1;

    interface LibC extends Library {
        LibC INSTANCE = Native.load("c", LibC.class);

        int sched_setscheduler(int pid, int policy, int[] param) throws LastErrorException;
    }

    private RealTime() {
    }

    /**
     * Threads that make themselves real-time at {@code priority} before their first task; where the kernel refuses
     * (not root), they say so on stderr and run at the ordinary priority.
     *
     * @param name     prefix of the threads' names
     * @param priority SCHED_FIFO priority, 1-99
     * @return the factory
     */
    public static ThreadFactory threads(String name, int priority) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread t = new Thread(() -> {
                try {
                    LibC.INSTANCE.sched_setscheduler(0, SCHED_FIFO, new int[] {priority});
                } catch (LastErrorException e) {
                    System.err.println(Thread.currentThread().getName() + " runs at the ordinary priority:"
                                               + " sched_setscheduler(SCHED_FIFO) failed, errno " + e.getErrorCode());
                }
                task.run();
            }, name + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
