package dev.tide.controlplane.node;

import dev.tide.controlplane.environment.Environment;
import java.time.Duration;
import java.time.Instant;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.stereotype.Component;

/**
 * Whether a node counts as online (console, API filter, dashboard): heard from within twice the
 * longest silence its environment allows (the poll interval plus jitter, or the longest built-in
 * silence: a long-poll of up to a minute, a push ping every 30 s), plus the few seconds last-seen
 * times are buffered. {@link NodeSearch} asks the same question in SQL with these figures.
 */
@Component
public final class Liveness {
    private final Properties properties;

    Liveness(Properties properties) {
        this.properties = properties;
    }

    /** The defaults an operator gets (60 s silence, 10 s buffering). */
    public static Liveness defaults() {
        return new Liveness(new Properties(null, null));
    }

    /**
     * {@code tide.nodes.*}: how long a node may stay silent before it is shown offline. Lower them
     * only together with {@code tide.delivery.max-wait} and {@code tide.delivery.push-ping-interval},
     * which set how often a healthy node is heard from (tests of a partition do).
     *
     * @param longestSilence the longest a healthy node goes unheard whatever its poll interval: the
     *     long-poll cap or the push ping interval, whichever is longer (default 60 s)
     * @param lastSeenBuffering how long a last-seen time may wait before it is written (default 10 s)
     */
    @ConfigurationProperties("tide.nodes")
    public record Properties(Duration longestSilence, Duration lastSeenBuffering) {
        public Properties {
            longestSilence = longestSilence == null ? Duration.ofSeconds(60) : longestSilence;
            lastSeenBuffering = lastSeenBuffering == null ? Duration.ofSeconds(10) : lastSeenBuffering;
            if (longestSilence.isNegative() || lastSeenBuffering.isNegative()) {
                throw new IllegalArgumentException("tide.nodes.* durations must not be negative");
            }
        }
    }

    public Duration window(Environment env) {
        Duration poll = Duration.ofSeconds((long) env.getPullIntervalSeconds() + env.getPullJitterSeconds());
        Duration longest = poll.compareTo(properties.longestSilence()) > 0 ? poll : properties.longestSilence();
        return longest.multipliedBy(2).plus(properties.lastSeenBuffering());
    }

    public boolean online(Instant lastSeen, Environment env, Instant now) {
        return lastSeen != null && !lastSeen.plus(window(env)).isBefore(now);
    }

    int longestSilenceSeconds() {
        return (int) properties.longestSilence().toSeconds();
    }

    int bufferingSeconds() {
        return (int) properties.lastSeenBuffering().toSeconds();
    }
}
