package org.tcpbypass.proxy.linux;

import org.junit.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;

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

    private static long cpuNanos() {
        return java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
}
