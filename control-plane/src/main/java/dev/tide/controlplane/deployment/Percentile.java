package dev.tide.controlplane.deployment;

import java.util.List;

/**
 * The one percentile definition of Tide's figures, nearest rank: the p-th percentile of n sorted
 * values is the value at rank ceil(p / 100 × n), so the median of 1, 2, 3, 4 is 2 and the p99 of
 * 100 values is the 99th. The deployment page, the REST API, the compare page and the fleet
 * report ({@code dev.tide.bench.report.Percentiles}) all use it.
 */
public final class Percentile {
    private Percentile() {}

    /** The p-th percentile (1 to 100) of ascending {@code sorted}; null when it is empty. */
    public static Long of(List<Long> sorted, int p) {
        if (p < 1 || p > 100) {
            throw new IllegalArgumentException("a percentile is between 1 and 100, not " + p);
        }
        if (sorted.isEmpty()) {
            return null;
        }
        long n = sorted.size();
        long rank = (p * n + 99) / 100; // ceil in integers: exactly 99 for p = 99, n = 100
        return sorted.get((int) Math.max(rank, 1) - 1);
    }
}
