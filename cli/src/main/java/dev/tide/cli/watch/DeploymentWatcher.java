package dev.tide.cli.watch;

import dev.tide.cli.CliException;
import dev.tide.cli.ExitCode;
import dev.tide.cli.Io;
import dev.tide.cli.api.ApiClient;
import dev.tide.cli.api.SseParser;
import dev.tide.cli.output.Values;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;

/**
 * {@code --wait}: follows a deployment's event stream (server-sent events) until it finishes,
 * showing live progress, then prints a summary and answers the exit code of its outcome. On a
 * terminal the progress is a block of bars redrawn in place; otherwise (a pipe, a CI log) one plain
 * line per change, without ANSI codes. A dropped stream is resumed where it stopped
 * ({@code Last-Event-ID}); the wait ends after {@code timeout} with {@link ExitCode#TIMEOUT}.
 */
public final class DeploymentWatcher {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final long REDRAW_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int MAX_RECONNECTS = 10;
    private static final Object END = new Object();

    private final ApiClient api;
    private final Io io;
    private final PrintWriter progressOut;
    private final boolean bars;
    private final Duration timeout;

    /**
     * @param progressOut where progress goes (stdout, or stderr when stdout carries JSON)
     * @param bars redraw bars in place (a terminal) rather than print a line per change
     */
    public DeploymentWatcher(ApiClient api, Io io, PrintWriter progressOut, boolean bars, Duration timeout) {
        this.api = api;
        this.io = io;
        this.progressOut = progressOut;
        this.bars = bars;
        this.timeout = timeout;
    }

    /** The outcome once the deployment has finished (or the wait timed out). */
    public record Outcome(int exitCode, JsonNode deployment) {}

    /** Follows {@code deployment} (its JSON from the API) to its end. */
    public Outcome follow(JsonNode deployment) {
        String id = deployment.path("id").asString();
        DeploymentProgress progress = DeploymentProgress.of(deployment);
        BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> read(id, queue), "tide-events-" + id);
        reader.setDaemon(true);
        reader.start();
        Screen screen = bars ? new Screen(progressOut, new ProgressBars(io.env("NO_COLOR") == null, unicode())) : null;
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        try {
            long lastDraw = 0;
            boolean dirty = true;
            while (true) {
                Object item = queue.poll(100, TimeUnit.MILLISECONDS);
                if (item == END) {
                    break;
                }
                if (item instanceof RuntimeException e) {
                    throw e;
                }
                if (item instanceof JsonNode entry) {
                    DeploymentProgress.Change change = progress.apply(entry);
                    if (change != null && screen == null) {
                        progressOut.println(time(change.at()) + "  " + change.text());
                        progressOut.flush();
                    }
                    dirty = true;
                }
                long now = System.nanoTime();
                if (screen != null && (dirty && now - lastDraw >= REDRAW_NANOS || now - lastDraw >= 1_000_000_000L)) {
                    screen.draw(progress, elapsed(now - started));
                    lastDraw = now;
                    dirty = false;
                }
                if (now - deadline > 0) {
                    reader.interrupt();
                    progressOut.println("Still " + progress.state() + " after " + timeout.toSeconds()
                            + "s; it goes on. Follow it with: tide deploy show " + id + " --wait");
                    progressOut.flush();
                    return new Outcome(ExitCode.TIMEOUT, api.get("/api/v1/deployments/" + ApiClient.segment(id)));
                }
            }
            if (screen != null) {
                screen.draw(progress, elapsed(System.nanoTime() - started));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.error("interrupted");
        } finally {
            if (screen != null) {
                screen.close();
            }
        }
        JsonNode last = api.get("/api/v1/deployments/" + ApiClient.segment(id));
        return new Outcome(ExitCode.forDeploymentState(last.path("state").asString()), last);
    }

    /** The summary of a finished deployment: outcome, latency, and the failed targets. */
    public static List<String> summary(JsonNode d) {
        String state = d.path("state").asString();
        JsonNode s = d.path("summary");
        StringBuilder head = new StringBuilder("Deployment " + d.path("id").asString() + " " + state);
        Instant from = parse(
                d.path("startedAt").asString(null), parse(d.path("createdAt").asString(null), null));
        Instant to = parse(d.path("finishedAt").asString(null), null);
        if (from != null && to != null) {
            head.append(" in ").append(Values.millis(Duration.between(from, to).toMillis()));
        }
        head.append(": ")
                .append(s.path("healthy").asInt())
                .append('/')
                .append(s.path("targets").asInt())
                .append(" targets healthy");
        if (s.path("failed").asInt() > 0) {
            head.append(", ").append(s.path("failed").asInt()).append(" failed");
        }
        String median = Values.millis(s.get("medianConvergeMillis"));
        if (median != null) {
            head.append("; time to healthy: median ")
                    .append(median)
                    .append(", slowest ")
                    .append(Values.millis(s.get("maxConvergeMillis")));
        }
        List<String> lines = new java.util.ArrayList<>();
        lines.add(head.toString());
        String message = d.path("message").asString("");
        if (!message.isEmpty() && !state.equals("SUCCEEDED")) {
            lines.add("  " + message);
        }
        int shown = 0;
        int failed = 0;
        for (JsonNode t : d.path("targets")) {
            String error = t.path("error").asString("");
            if (!error.isEmpty()) {
                failed++;
                if (shown++ < 10) {
                    lines.add("  " + t.path("node").asString() + " "
                            + t.path("application").asString() + ": "
                            + t.path("state").asString() + ": " + error);
                }
            }
        }
        if (failed > shown) {
            lines.add("  ... and " + (failed - shown) + " more: tide deploy show "
                    + d.path("id").asString());
        }
        return lines;
    }

    /** The reader thread: the event stream, reconnected after a drop, until its {@code end} event. */
    private void read(String id, BlockingQueue<Object> queue) {
        String path = "/api/v1/deployments/" + ApiClient.segment(id) + "/events";
        String[] lastId = {null};
        boolean[] ended = {false};
        SseParser parser = new SseParser(event -> {
            if (event.name().equals("end")) {
                ended[0] = true;
                return;
            }
            if (event.id() != null) {
                lastId[0] = event.id();
            }
            queue.add(ApiClient.JSON.readTree(event.data()));
        });
        int failures = 0;
        while (!ended[0] && !Thread.currentThread().isInterrupted()) {
            try {
                api.stream(path, lastId[0], parser::line);
                failures = 0;
            } catch (CliException e) {
                queue.add(e);
                return;
            } catch (IOException | RuntimeException e) {
                if (++failures > MAX_RECONNECTS) {
                    queue.add(CliException.error("lost the event stream of deployment " + id + " (" + e.getMessage()
                            + "); it goes on: tide deploy show " + id));
                    return;
                }
            }
            if (!ended[0]) {
                try {
                    Thread.sleep(Math.min(5000, 250L << Math.min(failures, 5)));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
        queue.add(END);
    }

    private String time(Instant at) {
        return at == null ? "--:--:--" : CLOCK.format(at.atZone(io.zone()));
    }

    private static String elapsed(long nanos) {
        return Values.millis(TimeUnit.NANOSECONDS.toMillis(nanos));
    }

    private boolean unicode() {
        String lang = String.join(
                " ",
                String.valueOf(io.env("LC_ALL")),
                String.valueOf(io.env("LC_CTYPE")),
                String.valueOf(io.env("LANG")));
        return lang.toUpperCase(java.util.Locale.ROOT).contains("UTF-8")
                || lang.toUpperCase(java.util.Locale.ROOT).contains("UTF8");
    }

    private static Instant parse(String s, Instant fallback) {
        try {
            return s == null ? fallback : Instant.parse(s);
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    /** A block of lines redrawn in place with ANSI cursor movement; line wrapping off while it is shown. */
    private static final class Screen {
        private final PrintWriter out;
        private final ProgressBars bars;
        private int height;

        Screen(PrintWriter out, ProgressBars bars) {
            this.out = out;
            this.bars = bars;
            out.print("\033[?7l"); // no wrapping: a long line is cut, so the block's height stays known
            out.flush();
        }

        void draw(DeploymentProgress progress, String elapsed) {
            StringBuilder sb = new StringBuilder();
            if (height > 0) {
                sb.append("\033[").append(height).append('F');
            }
            List<String> lines = bars.frame(progress, elapsed);
            for (String line : lines) {
                sb.append("\033[2K").append(line).append('\n');
            }
            sb.append("\033[J");
            out.print(sb);
            out.flush();
            height = lines.size();
        }

        void close() {
            out.print("\033[?7h");
            out.flush();
        }
    }
}
