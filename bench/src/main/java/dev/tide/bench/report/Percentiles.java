package dev.tide.bench.report;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/**
 * Three order statistics of a set of measurements, by the nearest-rank definition: the p-th percentile
 * is the smallest value such that at least p % of the values are less than or equal to it. The bench
 * and the floor use this one definition, so their figures compare; it is the control plane's
 * {@code dev.tide.controlplane.deployment.Percentile} (the deployment page, the API, the compare page).
 *
 * @param p50 the median (nearest rank), NaN when there were no values
 * @param p99 the 99th percentile (nearest rank), NaN when there were no values
 * @param max the largest value, NaN when there were no values
 */
public record Percentiles(double p50, double p99, double max) {

    private static final Percentiles NONE = new Percentiles(Double.NaN, Double.NaN, Double.NaN);

    /** Not measured: all three NaN. */
    public static Percentiles none() {
        return NONE;
    }

    /** Nearest-rank percentiles of {@code values}; all NaN when it is empty. */
    public static Percentiles of(Collection<Double> values) {
        if (values.isEmpty()) {
            return NONE;
        }
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return new Percentiles(rank(sorted, 50), rank(sorted, 99), sorted.get(sorted.size() - 1));
    }

    /** The value at rank ceil(percent / 100 * n), computed in integers so 99 % of 100 is exactly 99. */
    private static double rank(List<Double> sorted, int percent) {
        long n = sorted.size();
        long rank = (percent * n + 99) / 100;
        return sorted.get((int) Math.max(rank, 1) - 1);
    }
}
