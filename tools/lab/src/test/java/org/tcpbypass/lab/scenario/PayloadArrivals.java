package org.tcpbypass.lab.scenario;

import java.util.ArrayList;
import java.util.List;

/**
 * When new payload arrived on one flow, in epoch seconds, kept as the gaps between arrivals: its largest, and every
 * gap of over a millisecond with its two ends, to find the one across a hand-off.
 */
final class PayloadArrivals {
    private static final double KEPT_GAP_SECONDS = 0.001;

    /** Gaps of over {@link #KEPT_GAP_SECONDS}: {last arrival before, first after}. */
    private final List<double[]> gaps = new ArrayList<>();
    private double last = Double.NaN;
    private double largest;

    /** Notes an arrival of new payload; arrivals come in time order. */
    void arrived(double epochSeconds) {
        if (!Double.isNaN(last)) {
            double gap = epochSeconds - last;
            largest = Math.max(largest, gap);
            if (gap > KEPT_GAP_SECONDS) {
                gaps.add(new double[] {last, epochSeconds});
            }
        }
        last = epochSeconds;
    }

    /** Whether any payload arrived. */
    boolean any() {
        return !Double.isNaN(last);
    }

    /** The largest gap between two arrivals, in milliseconds (0 with fewer than two). */
    double largestMillis() {
        return largest * 1e3;
    }

    /**
     * The longest gap overlapping {@code [from, to]} (epoch seconds), else the kept gap nearest to it, as {last arrival
     * before, first after}; {from, from} when no gap was kept.
     */
    double[] across(double from, double to) {
        double[] longest = null;
        double[] nearest = null;
        double distance = Double.POSITIVE_INFINITY;
        for (double[] g : gaps) {
            if (g[0] < to && g[1] > from && (longest == null || g[1] - g[0] > longest[1] - longest[0])) {
                longest = g;
            }
            double d = Math.max(g[0] - to, from - g[1]);
            if (d < distance) {
                distance = d;
                nearest = g;
            }
        }
        return longest != null ? longest : nearest != null ? nearest : new double[] {from, from};
    }
}
