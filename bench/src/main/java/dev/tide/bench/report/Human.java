package dev.tide.bench.report;

import java.util.Locale;

/**
 * Numbers as a reader wants them: durations in ms under 10 s and in s with one decimal above, thousands
 * separators, "—" for not measured (NaN decimals, negative counts).
 */
final class Human {
    static final String NONE = "—";

    private Human() {}

    static String millis(double ms) {
        if (Double.isNaN(ms)) {
            return NONE;
        }
        double size = Math.abs(ms);
        if (size >= 10_000) {
            return format("%,.1f s", ms / 1000);
        }
        if (size >= 100) {
            return format("%,.0f ms", ms);
        }
        return size >= 1 ? format("%.1f ms", ms) : format("%.2f ms", ms);
    }

    static String seconds(double s) {
        return millis(s * 1000);
    }

    static String percentiles(Percentiles p) {
        if (Double.isNaN(p.p50()) && Double.isNaN(p.p99()) && Double.isNaN(p.max())) {
            return NONE;
        }
        return millis(p.p50()) + " · " + millis(p.p99()) + " · " + millis(p.max());
    }

    static String percent(double value) {
        return Double.isNaN(value) ? NONE : format("%.1f %%", value);
    }

    static String megabytes(double mb) {
        if (Double.isNaN(mb)) {
            return NONE;
        }
        return mb >= 100 ? format("%,.0f MB", mb) : format("%.1f MB", mb);
    }

    /** Bytes in binary units (1 MB = 1,048,576 bytes, as the heap figures). */
    static String bytes(long bytes) {
        if (bytes < 0) {
            return NONE;
        }
        if (bytes < 1024 * 1024) {
            return format("%,.0f KB", bytes / 1024.0);
        }
        return megabytes(bytes / (1024.0 * 1024.0));
    }

    static String count(long value) {
        return value < 0 ? NONE : format("%,d", value);
    }

    static String rate(double perSecond) {
        if (Double.isNaN(perSecond)) {
            return NONE;
        }
        return perSecond >= 10 ? format("%,.0f/s", perSecond) : format("%.1f/s", perSecond);
    }

    static String ratio(double value) {
        if (Double.isNaN(value)) {
            return NONE;
        }
        return Math.abs(value) >= 100 ? format("%,.0f×", value) : format("%.1f×", value);
    }

    private static String format(String pattern, Object... args) {
        return String.format(Locale.ROOT, pattern, args);
    }
}
