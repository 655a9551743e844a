package dev.tide.agent.transport;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the n-th consecutive failure waits a random time between
 * 0 and min(cap, base * 2^(n-1)). Spreads a fleet's retries after a control-plane outage.
 */
public final class Backoff {
    private final Duration base;
    private final Duration cap;
    private final RandomGenerator random;
    private int failures;

    public Backoff(Duration base, Duration cap, RandomGenerator random) {
        this.base = base;
        this.cap = cap;
        this.random = random;
    }

    /** The default: base 1s, cap 60s. */
    public static Backoff standard(RandomGenerator random) {
        return new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60), random);
    }

    /** The upper bound of the next wait. */
    public synchronized Duration ceiling() {
        long factor = 1L << Math.min(failures, 30);
        long millis = base.toMillis() > cap.toMillis() / factor ? cap.toMillis() : base.toMillis() * factor;
        return Duration.ofMillis(Math.min(millis, cap.toMillis()));
    }

    /** Records a failure and returns how long to wait before the next attempt. */
    public synchronized Duration next() {
        long bound = ceiling().toMillis();
        failures++;
        return Duration.ofMillis(random.nextLong(bound + 1));
    }

    public synchronized void reset() {
        failures = 0;
    }

    public synchronized int failures() {
        return failures;
    }
}
