package dev.tide.cli.output;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** How JSON values read in a table: text, lists joined with commas, maps as k=v, durations short. */
public final class Values {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private Values() {}

    /** A value as one cell: null/missing is null; arrays joined with {@code ,}; objects as {@code k=v}. */
    public static String text(JsonNode v) {
        if (v == null || v.isMissingNode() || v.isNull()) {
            return null;
        }
        if (v.isArray()) {
            List<String> items = new ArrayList<>();
            v.forEach(item -> items.add(text(item)));
            return String.join(",", items);
        }
        if (v.isObject()) {
            List<String> items = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                items.add(e.getKey() + "=" + text(e.getValue()));
            }
            return String.join(",", items);
        }
        return v.asString();
    }

    /** An ISO instant as local date and time, to the second; other text as it is. */
    public static String time(JsonNode v, ZoneId zone) {
        String s = text(v);
        if (s == null) {
            return null;
        }
        try {
            return TIME.format(Instant.parse(s).atZone(zone));
        } catch (DateTimeParseException e) {
            return s;
        }
    }

    /** Milliseconds as {@code 850ms}, {@code 12.3s}, {@code 4m05s}. */
    public static String millis(long ms) {
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        Duration d = Duration.ofMillis(ms);
        return d.toMinutes() + "m" + String.format(java.util.Locale.ROOT, "%02ds", d.toSecondsPart());
    }

    /** A JSON number of milliseconds as {@link #millis(long)}, or null. */
    public static String millis(JsonNode v) {
        return v == null || !v.isNumber() ? null : millis(v.asLong());
    }
}
