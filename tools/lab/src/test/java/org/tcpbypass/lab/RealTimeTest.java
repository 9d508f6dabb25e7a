package org.tcpbypass.lab;

import org.junit.Assume;
import org.junit.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertEquals;

/** RealTime's threads run their tasks real-time where the kernel lets them, and at the ordinary priority where not. */
public class RealTimeTest {

    private static final String SCHED_FIFO = "1";
    private static final String SCHED_OTHER = "0";

    @Test
    public void threadsRunTheirTasksRealTimeAtThePriorityAsked() throws Exception {
        Assume.assumeTrue("skipped: SCHED_FIFO needs root", "root".equals(System.getProperty("user.name")));
        assertEquals("policy, priority and name", SCHED_FIFO + " 3 rt-1", run(RealTime.threads("rt", 3)));
    }

    @Test
    public void aRefusedPriorityLeavesTheTaskRunningAtTheOrdinaryOne() throws Exception {
        // 100 is above SCHED_FIFO's range: the kernel refuses it for root too (EINVAL).
        assertEquals("policy, priority and name", SCHED_OTHER + " 0 bad-1", run(RealTime.threads("bad", 100)));
    }

    /** The policy and real-time priority a pool's thread ran its task at (/proc/thread-self/stat), and its name. */
    private static String run(ThreadFactory threads) throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor(threads);
        try {
            return pool.submit(() -> {
                String stat = Files.readString(Path.of("/proc/thread-self/stat"), StandardCharsets.US_ASCII);
                // Fields after the command's closing parenthesis start with the third (state); rt_priority is the
                // 40th and policy the 41st.
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
                return f[41 - 3] + " " + f[40 - 3] + " " + Thread.currentThread().getName();
            }).get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }
}
