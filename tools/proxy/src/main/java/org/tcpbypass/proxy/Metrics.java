package org.tcpbypass.proxy;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The proxy's counters and latency samples, printed as one log line. */
public final class Metrics {
    private final AtomicLong opened = new AtomicLong();
    private final AtomicLong closed = new AtomicLong();
    // Added by every relay worker on every event: a contended AtomicLong would bounce its cache line.
    private final LongAdder bytes = new LongAdder();
    private final AtomicLong offloaded = new AtomicLong();
    private final AtomicLong fallbacks = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final Samples handoffMillis = new Samples();
    private final Samples freezeMillis = new Samples();
    private final Samples fallbackStallMillis = new Samples();

    /** A relay's both legs are up. */
    public void opened() {
        opened.incrementAndGet();
    }

    /** A relay ended (closed, reset or handed off). */
    public void closed() {
        closed.incrementAndGet();
    }

    /** Payload bytes relayed. */
    public void relayed(long n) {
        bytes.add(n);
    }

    /** A hand-off completed: decision to bypass active, and how long the legs were frozen. */
    public void offloaded(long handoffNanos, long freezeNanos) {
        offloaded.incrementAndGet();
        handoffMillis.add(handoffNanos / 1e6);
        freezeMillis.add(freezeNanos / 1e6);
    }

    /** A hand-off was abandoned and relaying resumed; {@code freezeNanos}: how long the legs were frozen. */
    public void fallback(long freezeNanos) {
        fallbacks.incrementAndGet();
        freezeMillis.add(freezeNanos / 1e6);
    }

    /** First payload relayed after a fallback, this long after relaying resumed. */
    public void fallbackStall(long nanos) {
        fallbackStallMillis.add(nanos / 1e6);
    }

    /** A due hand-off was not attempted (too many in progress). */
    public void skipped() {
        skipped.incrementAndGet();
    }

    /** Hand-offs completed. */
    public long offloadedCount() {
        return offloaded.get();
    }

    /** Hand-offs abandoned. */
    public long fallbackCount() {
        return fallbacks.get();
    }

    /** Payload bytes relayed. */
    public long bytesRelayed() {
        return bytes.sum();
    }

    /** Freeze durations (ms) of completed and abandoned hand-offs. */
    public double[] freezeMillis() {
        return freezeMillis.snapshot();
    }

    /** One log line with every counter and percentile. */
    public String line() {
        long cpu = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        return String.format(Locale.ROOT,
                "relays opened=%d active=%d; bytes relayed=%d; offloaded=%d fallbacks=%d skipped=%d; "
                        + "hand-off ms %s; freeze ms %s; fallback stall ms %s; cpu s=%.2f",
                opened.get(), opened.get() - closed.get(), bytes.sum(), offloaded.get(), fallbacks.get(),
                skipped.get(), handoffMillis.summary(), freezeMillis.summary(), fallbackStallMillis.summary(),
                cpu / 1e9);
    }

    /** The most recent latency samples (a bounded ring). */
    static final class Samples {
        private static final int SIZE = 4096;
        private final double[] ring = new double[SIZE];
        private long count;

        synchronized void add(double v) {
            ring[(int) (count++ % SIZE)] = v;
        }

        synchronized double[] snapshot() {
            double[] s = Arrays.copyOf(ring, (int) Math.min(count, SIZE));
            Arrays.sort(s);
            return s;
        }

        String summary() {
            double[] s = snapshot();
            if (s.length == 0) {
                return "-";
            }
            return String.format(Locale.ROOT, "p50=%.1f p99=%.1f max=%.1f", percentile(s, 50),
                                 percentile(s, 99), s[s.length - 1]);
        }
    }

    /** Nearest-rank percentile of sorted samples. */
    public static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
