package dev.tide.agent.support;

import java.util.random.RandomGenerator;

/** A "random" source that always picks the same point of the range: for schedule and backoff math. */
public final class FixedRandom implements RandomGenerator {
    private final double fraction;

    private FixedRandom(double fraction) {
        this.fraction = fraction;
    }

    /** Always the lowest value. */
    public static FixedRandom min() {
        return new FixedRandom(0);
    }

    /** Always the highest value. */
    public static FixedRandom max() {
        return new FixedRandom(1);
    }

    public static FixedRandom fraction(double f) {
        return new FixedRandom(f);
    }

    @Override
    public long nextLong() {
        return 0;
    }

    @Override
    public long nextLong(long bound) {
        return Math.min(bound - 1, (long) Math.floor(fraction * bound));
    }

    @Override
    public int nextInt(int bound) {
        return (int) nextLong(bound);
    }
}
