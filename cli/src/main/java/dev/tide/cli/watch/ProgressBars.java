package dev.tide.cli.watch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws a deployment's progress as one bar per wave of each stage, plus a headline with the state
 * and the latest message: healthy, failed, in flight, rolled back and skipped targets each get a
 * segment of the bar (in colour when asked for). Pure: a frame is a list of lines.
 */
public final class ProgressBars {
    private static final int WIDTH = 24;
    private static final String RESET = "\033[0m";

    private final boolean color;
    private final boolean unicode;

    public ProgressBars(boolean color, boolean unicode) {
        this.color = color;
        this.unicode = unicode;
    }

    /** The lines of one frame; {@code elapsed} is shown in the headline. */
    public List<String> frame(DeploymentProgress p, String elapsed) {
        List<String> lines = new ArrayList<>();
        lines.add("Deployment " + p.id + " to " + p.environment + ": " + paint(stateColor(p.state), p.state) + "  ("
                + elapsed + ")");
        List<DeploymentProgress.Wave> waves = p.waves();
        int labelWidth = waves.stream()
                .mapToInt(w -> String.join(",", w.applications).length())
                .max()
                .orElse(0);
        for (DeploymentProgress.Wave w : waves) {
            DeploymentProgress.Tally t = w.tally();
            String label = String.format(
                    Locale.ROOT,
                    "  stage %d wave %-2d %-" + Math.max(1, labelWidth) + "s  ",
                    w.stage,
                    w.wave,
                    String.join(",", w.applications));
            lines.add(label + bar(t) + "  " + counts(t));
        }
        if (!p.message.isEmpty()) {
            lines.add("  " + p.message);
        }
        return lines;
    }

    /** {@code [##x<==-...]}: healthy, failed, rolled back, in flight, skipped, then what has not started. */
    String bar(DeploymentProgress.Tally t) {
        if (t.total() == 0) {
            return "[" + " ".repeat(WIDTH) + "]";
        }
        int[] counts = {t.healthy(), t.failed(), t.reverted(), t.inFlight(), t.skipped()};
        String[] colors = {"32", "31", "35", "33", "90"};
        char[] glyphs = unicode ? new char[] {'█', '█', '█', '▒', '·'} : new char[] {'#', 'x', '<', '=', '-'};
        StringBuilder sb = new StringBuilder("[");
        int used = 0;
        int done = 0;
        for (int i = 0; i < counts.length; i++) {
            done += counts[i];
            // Cumulative rounding: the segments always add up to the bar's width.
            int upTo = (int) Math.round((double) done * WIDTH / t.total());
            if (upTo > used) {
                sb.append(paint(colors[i], String.valueOf(glyphs[i]).repeat(upTo - used)));
                used = upTo;
            }
        }
        if (used < WIDTH) {
            sb.append(paint("90", String.valueOf(unicode ? '░' : '.').repeat(WIDTH - used)));
        }
        return sb.append(']').toString();
    }

    /** {@code 3/4 healthy, 1 failed}: the kinds that are there. */
    static String counts(DeploymentProgress.Tally t) {
        StringBuilder sb = new StringBuilder(t.healthy() + "/" + t.total() + " healthy");
        append(sb, t.failed(), "failed");
        append(sb, t.inFlight(), "in flight");
        append(sb, t.reverted(), "rolled back");
        append(sb, t.skipped(), "skipped");
        return sb.toString();
    }

    private static void append(StringBuilder sb, int n, String what) {
        if (n > 0) {
            sb.append(", ").append(n).append(' ').append(what);
        }
    }

    private static String stateColor(String state) {
        return switch (state) {
            case "SUCCEEDED" -> "32";
            case "FAILED" -> "31";
            case "ROLLED_BACK", "ROLLING_BACK", "CANCELLED", "CANCELLING", "PAUSED" -> "33";
            default -> "36";
        };
    }

    private String paint(String code, String text) {
        return color ? "\033[" + code + "m" + text + RESET : text;
    }
}
