package org.tcpbypass.proxy.linux;

import org.junit.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.assertEquals;

public class RunDelayTest {

    private static final long SPIN_NANOS = 400_000_000L;

    @Test
    public void aThreadThatSleepsDoesNotWait() throws InterruptedException {
        long before = RunDelay.nanos();
        assertThat(before, greaterThanOrEqualTo(0L));
        Thread.sleep(200);
        // Sleeping is blocked, not runnable: only the wake-up's own wait may count, far below the 200 ms slept.
        assertThat(RunDelay.nanos() - before, lessThan(100_000_000L));
    }

    @Test
    public void threadsThatOutnumberTheCpusWaitForThem() throws InterruptedException {
        // One spinner more than the CPUs this process may use: each wants SPIN_NANOS of CPU, so together they must
        // have waited at least SPIN_NANOS for a CPU, however the scheduler shares them out.
        int spinners = Runtime.getRuntime().availableProcessors() + 1;
        AtomicLong waited = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < spinners; i++) {
            threads.add(new Thread(() -> {
                long before = RunDelay.nanos();
                long cpu0 = cpuNanos();
                while (cpuNanos() - cpu0 < SPIN_NANOS) {
                    Thread.onSpinWait();
                }
                waited.addAndGet(RunDelay.nanos() - before);
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        assertThat(waited.get(), greaterThanOrEqualTo(SPIN_NANOS / 2));
    }

    @Test
    public void readsTheWaitTheKernelReportsForTheCallingThread() throws Exception {
        String[] before = Files.readString(Paths.get("/proc/thread-self/schedstat")).trim().split(" ");
        long nanos = RunDelay.nanos();
        String[] after = Files.readString(Paths.get("/proc/thread-self/schedstat")).trim().split(" ");
        assertThat(nanos, greaterThanOrEqualTo(Long.parseLong(before[1])));
        assertThat(nanos, lessThanOrEqualTo(Long.parseLong(after[1])));
    }

    @Test
    public void takesTheSecondDecimalFieldOrAnswersUnknown() {
        assertEquals(456L, RunDelay.secondField(bytes("123 456 7\n")));
        assertEquals(0L, RunDelay.secondField(bytes("9 0 0\n")));
        assertEquals(RunDelay.UNKNOWN, RunDelay.secondField(bytes("123\n")));
        assertEquals(RunDelay.UNKNOWN, RunDelay.secondField(bytes("")));
        assertEquals(RunDelay.UNKNOWN, RunDelay.secondField(bytes("1 x 2\n")));
        assertEquals(RunDelay.UNKNOWN, RunDelay.secondField(bytes("1 1234567890123456789 2\n")));
    }

    @Test
    public void allocatesLittleAtEachCall() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        for (int i = 0; i < 2000; i++) {
            RunDelay.nanos();
        }
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < 1000; i++) {
            RunDelay.nanos();
        }
        long perCall = (threads.getThreadAllocatedBytes(id) - before) / 1000;
        // Read as a String it was about 8 KB a call.
        assertThat(perCall, lessThan(1024L));
    }

    private static ByteBuffer bytes(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static long cpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
}
