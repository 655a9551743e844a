package dev.tide.controlplane.console;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.springframework.stereotype.Component;

/** Times and durations as people read them; templates call it as {@code @consoleFormat}. */
@Component("consoleFormat")
public class ConsoleFormat {
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final Clock clock;

    ConsoleFormat(Clock clock) {
        this.clock = clock;
    }

    /** {@code 2025-01-31 14:02:11 UTC}, or a dash. */
    public String dateTime(Instant at) {
        return at == null ? "—" : DATE_TIME.format(at.atZone(ZoneId.of("UTC")));
    }

    /** {@code 14:02:11.345} (UTC), for timelines. */
    public String time(Instant at) {
        return at == null ? "—" : TIME.format(at.atZone(ZoneId.of("UTC")));
    }

    /** {@code 42 s ago}, {@code 3 min ago}, {@code in 5 min}. */
    public String ago(Instant at) {
        if (at == null) {
            return "never";
        }
        Duration d = Duration.between(at, clock.instant());
        if (d.isNegative()) {
            return "in " + human(d.negated());
        }
        return d.toSeconds() < 2 ? "just now" : human(d) + " ago";
    }

    /** The time from {@code from} to {@code to} (empty when either is missing). */
    public String between(Instant from, Instant to) {
        return from == null || to == null
                ? ""
                : millis(Duration.between(from, to).toMillis());
    }

    /** {@code 850 ms}, {@code 2.4 s}, {@code 3 min 5 s}. */
    public String millis(Long ms) {
        if (ms == null) {
            return "—";
        }
        if (ms < 1000) {
            return ms + " ms";
        }
        if (ms < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
        }
        return human(Duration.ofMillis(ms));
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return (s / 60) + " min" + (s % 60 == 0 ? "" : " " + (s % 60) + " s");
        }
        if (s < 86_400) {
            return (s / 3600) + " h " + (s % 3600 / 60) + " min";
        }
        return (s / 86_400) + " d";
    }
}
