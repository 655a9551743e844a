package dev.tide.controlplane.node;

import dev.tide.controlplane.environment.Environment;
import java.time.Duration;
import java.time.Instant;

/**
 * Whether a node counts as online (console, API filter, dashboard): heard from within twice the
 * longest silence its environment allows (the poll interval plus jitter, a long-poll of up to a
 * minute, a push ping every 30 s), plus the few seconds last-seen times are buffered.
 * {@link NodeSearch} asks the same question in SQL with these constants.
 */
public final class Liveness {
    static final Duration LONGEST_BUILT_IN_SILENCE = Duration.ofSeconds(60);
    static final Duration BUFFERING = Duration.ofSeconds(10);

    private Liveness() {}

    public static Duration window(Environment env) {
        Duration poll = Duration.ofSeconds((long) env.getPullIntervalSeconds() + env.getPullJitterSeconds());
        Duration longest = poll.compareTo(LONGEST_BUILT_IN_SILENCE) > 0 ? poll : LONGEST_BUILT_IN_SILENCE;
        return longest.multipliedBy(2).plus(BUFFERING);
    }

    public static boolean online(Instant lastSeen, Environment env, Instant now) {
        return lastSeen != null && !lastSeen.plus(window(env)).isBefore(now);
    }
}
