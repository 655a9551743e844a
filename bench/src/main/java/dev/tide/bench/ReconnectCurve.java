package dev.tide.bench;

import dev.tide.bench.support.Api;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.DoubleSupplier;

/**
 * How a fleet comes back after the control plane was killed: once a second, how many agents are
 * connected again (push sessions open, or long-polls parked), from the kill on. The curve shows
 * whether the agents' jittered backoff spreads the reconnects out or sends them all at once.
 */
final class ReconnectCurve {
    /** Connected agents {@code seconds} after the kill; -1 while the control plane did not answer. */
    record Sample(double seconds, int connected) {
        boolean answered() {
            return connected >= 0;
        }
    }

    private final Instant kill;
    private final int fleet;
    private final List<Sample> samples = new ArrayList<>();

    ReconnectCurve(Instant kill, int fleet) {
        this.kill = kill;
        this.fleet = fleet;
    }

    /**
     * The gauge of agents connected in {@code mode}: push sessions open, or long-polls parked; null
     * in interval pull, where agents hold no connection between polls.
     */
    static String connectedMetric(String mode) {
        return switch (mode) {
            case "push" -> "tide_push_sessions";
            case "watch" -> "tide_watch_parked";
            default -> null;
        };
    }

    /** Connected agents now, from the control plane's metrics. */
    static double connected(Api api, String metric) {
        return api.metrics().getOrDefault(metric, 0.0);
    }

    /**
     * Connected agents now, summed over the replicas that answer (a killed one has none); fails
     * when none answers.
     */
    static double connected(List<Api> replicas, String metric) {
        double sum = 0;
        RuntimeException lastFailure = null;
        int answered = 0;
        for (Api api : replicas) {
            try {
                sum += connected(api, metric);
                answered++;
            } catch (RuntimeException e) {
                lastFailure = e;
            }
        }
        if (answered == 0 && lastFailure != null) {
            throw lastFailure;
        }
        return sum;
    }

    /**
     * Records the curve on another thread from now on, while the caller restarts the control plane
     * and deploys; null in a mode without connections to count.
     */
    static CompletableFuture<ReconnectCurve> recordInBackground(
            String mode, Instant kill, int fleet, Api api, Duration timeout) {
        return recordInBackground(mode, kill, fleet, List.of(api), timeout);
    }

    /** The same over several replicas: the agents connected to any of them. */
    static CompletableFuture<ReconnectCurve> recordInBackground(
            String mode, Instant kill, int fleet, List<Api> replicas, Duration timeout) {
        String metric = connectedMetric(mode);
        if (metric == null) {
            return null;
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new ReconnectCurve(kill, fleet).record(() -> connected(replicas, metric), timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while recording the reconnect curve", e);
            }
        });
    }

    /** The curve a {@link #recordInBackground} call recorded, once it is complete. */
    static ReconnectCurve await(CompletableFuture<ReconnectCurve> recording) throws InterruptedException {
        try {
            return recording.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }

    /**
     * Samples {@code connected} once a second until the whole fleet is connected or {@code
     * timeout} has passed; a sample that fails (the control plane still starting) is kept as -1.
     */
    ReconnectCurve record(DoubleSupplier connected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long next = System.nanoTime();
        while (System.nanoTime() < deadline) {
            int now;
            try {
                now = (int) Math.round(connected.getAsDouble());
            } catch (RuntimeException e) {
                now = -1;
            }
            samples.add(new Sample(Duration.between(kill, Instant.now()).toMillis() / 1000.0, now));
            if (now >= fleet) {
                break;
            }
            next += 1_000_000_000L;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // the sampling period itself
            }
        }
        return this;
    }

    List<Sample> samples() {
        return List.copyOf(samples);
    }

    /** Seconds after the kill until at least {@code fraction} of the fleet was connected; NaN if never. */
    double secondsTo(double fraction) {
        for (Sample s : samples) {
            if (s.connected() >= Math.ceil(fraction * fleet)) {
                return s.seconds();
            }
        }
        return Double.NaN;
    }

    /**
     * The most agents that connected between two consecutive answered samples (about one second);
     * those already back when the control plane first answered are {@link #atFirstAnswer}.
     */
    int peakPerSecond() {
        int peak = 0;
        for (int i = 1; i < samples.size(); i++) {
            if (samples.get(i).answered() && samples.get(i - 1).answered()) {
                peak = Math.max(
                        peak, samples.get(i).connected() - samples.get(i - 1).connected());
            }
        }
        return peak;
    }

    /** The first answered sample: when the control plane answered again, and who was back by then. */
    Sample atFirstAnswer() {
        return samples.stream().filter(Sample::answered).findFirst().orElse(new Sample(Double.NaN, -1));
    }

    /** The curve in one line, for the report. */
    String summary() {
        Sample first = atFirstAnswer();
        if (first.connected() >= fleet) {
            // Back before the first look: there is no curve to read, only when the look came.
            return String.format(
                    "reconnect curve: every agent (%d) was already back when metrics first answered, %.1f s"
                            + " after the kill",
                    fleet, first.seconds());
        }
        return String.format(
                "reconnect curve: metrics answered %.1f s after the kill with %d agents back; 50%% connected after"
                        + " %.1f s, 90%% after %.1f s, all after %.1f s; at most %d agents (%.0f%% of the fleet)"
                        + " reconnected in one second",
                first.seconds(),
                first.connected(),
                secondsTo(0.5),
                secondsTo(0.9),
                secondsTo(1.0),
                peakPerSecond(),
                100.0 * peakPerSecond() / fleet);
    }

    /** Appends the curve to {@code csv} (mode, nodes, seconds after the kill, connected). */
    void appendCsv(Path csv, String mode) throws IOException {
        StringBuilder out = new StringBuilder();
        if (!Files.exists(csv)) {
            out.append("mode,nodes,seconds_after_kill,connected\n");
        }
        for (Sample s : samples) {
            out.append(String.format("%s,%d,%.1f,%d%n", mode, fleet, s.seconds(), s.connected()));
        }
        Files.writeString(csv, out, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
