package dev.tide.bench;

import dev.tide.bench.report.Percentiles;
import dev.tide.bench.support.Api;
import dev.tide.bench.support.ControlPlaneProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;

/**
 * The end of a run: {@code kill -9} with the fleet connected, start again on the same database,
 * and deploy as soon as the control plane can take a deployment; the figure is the kill until
 * every node runs it healthy. Meanwhile, in push and watch, the {@link ReconnectCurve}.
 *
 * <p>With one replica the deployment is made once it answers again (nobody else can take it).
 * With several, the replica killed is the one with the most agents connected (push sessions, which
 * it holds by push lease, or parked watches); the deployment is made at once through another,
 * which stays up, while the killed one restarts.
 */
final class KillPhase {
    /** How long a killed replica may take to answer again. */
    static final Duration RESTART = Duration.ofMinutes(3);

    private final String mode;
    private final int n;
    private final Path out;
    private final List<String> notes;
    private final Consumer<String> say;

    KillPhase(String mode, int n, Path out, List<String> notes, Consumer<String> say) {
        this.mode = mode;
        this.n = n;
        this.out = out;
        this.notes = notes;
        this.say = say;
    }

    /** Runs the phase; returns the kill until the new deployment was healthy everywhere, in seconds. */
    double run(ControlPlanes cps, Api api, Tide tide, Duration deployTimeout) throws Exception {
        List<Api> apis = cps.apis(api);
        boolean replicated = cps.size() > 1;
        String metric = ReconnectCurve.connectedMetric(mode);
        String held = metric == null ? "tide_push_leases_held" : metric;
        int victim = replicated ? cps.busiest(apis, held) : 0;
        int survivor = victim == 0 && replicated ? 1 : 0;
        double victimHeld = replicated ? apis.get(victim).metrics().getOrDefault(held, 0.0) : Double.NaN;
        Tide through = replicated ? new Tide(apis.get(survivor)) : tide;

        cps.replica(victim).kill();
        Instant kill = Instant.now();
        var curve = ReconnectCurve.recordInBackground(
                mode, kill, n, apis, deployTimeout.plusMinutes(2).plus(replicated ? RESTART : Duration.ZERO));
        CompletableFuture<Double> up = restartInBackground(cps.replica(victim), kill);
        CompletableFuture<Instant> victimBack = replicated && metric != null
                ? inBackground(
                        "bench-victim-back", () -> firstAgentsOn(apis.get(victim), metric, RESTART.plus(deployTimeout)))
                : null;
        if (!replicated) {
            await(up); // nobody else can take the deployment
        }
        // Made before the killed replica is back, the deployment's targets wait for its restart too:
        // its agents (watch: replica i mod N) reach no other, and no load balancer moves them.
        Duration targetTimeout = replicated ? deployTimeout.plus(RESTART) : deployTimeout;
        JsonNode after = through.awaitFinished(
                through.deploy(ModeRun.ENV, Map.of("web", "1.0.1"), targetTimeout), targetTimeout.plusSeconds(60));
        ModeRun.requireSucceeded(after, replicated ? "deployment after the kill" : "deployment after the restart");
        requireHealthyEverywhere(after);
        double upSeconds = await(up);
        cps.requireRunning();
        if (curve != null) {
            ReconnectCurve reconnects = ReconnectCurve.await(curve);
            reconnects.appendCsv(Files.createDirectories(out).resolve("reconnect-curve.csv"), mode);
            say.accept(reconnects.summary());
            notes.add(String.format("%s N=%,d: %s", mode, n, reconnects.summary()));
        }
        double reconnectSeconds = ModeRun.seconds(kill, ModeRun.instant(after, "finishedAt"));
        Percentiles delivered = Percentiles.of(after.get("targets")
                .valueStream()
                .filter(t -> t.hasNonNull("deliveredAt"))
                .map(t -> (double) Duration.between(
                                kill, Instant.parse(t.get("deliveredAt").asString()))
                        .toMillis())
                .toList());
        say.accept(String.format(
                "kill -9 -> answering again %.1f s -> every node healthy on a new release %.1f s"
                        + " (delivered p50 %.1f s, p99 %.1f s after the kill)",
                upSeconds, reconnectSeconds, delivered.p50() / 1000, delivered.p99() / 1000));
        if (!replicated) {
            notes.add(String.format(
                    "%s N=%,d: killed (-9) with the fleet connected, the control plane answered again after %.1f s;"
                            + " a deployment made at once was healthy on every node %.1f s after the kill (delivered"
                            + " p50 %.1f s, p99 %.1f s after the kill)",
                    mode, n, upSeconds, reconnectSeconds, delivered.p50() / 1000, delivered.p99() / 1000));
            return reconnectSeconds;
        }
        String back = victimBack == null ? "" : wholeAgain(apis, victim, metric, kill, victimBack.get());
        notes.add(String.format(
                "%s N=%,d, %d replicas: %s was killed (-9) with the fleet connected, holding %.0f of the %s;"
                        + " %s stayed up and took a deployment made at once, which was healthy on every node %.1f s"
                        + " after the kill (delivered p50 %.1f s, p99 %.1f s after the kill); %s answered again after"
                        + " %.1f s%s",
                mode,
                n,
                cps.size(),
                ControlPlanes.replicaId(victim),
                victimHeld,
                what(held),
                others(cps.size(), victim),
                reconnectSeconds,
                delivered.p50() / 1000,
                delivered.p99() / 1000,
                ControlPlanes.replicaId(victim),
                upSeconds,
                back));
        return reconnectSeconds;
    }

    /** When the replica first holds agents on {@code metric} (null if not within {@code timeout}). */
    private static Instant firstAgentsOn(Api replica, String metric, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (replica.metrics().getOrDefault(metric, 0.0) > 0) {
                    return Instant.now();
                }
            } catch (RuntimeException e) {
                // still down
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /**
     * Says when the restarted replica held agents again (push: leases the others hand back above
     * their fair share; watch: its agents' retries), then waits (up to two minutes) until the whole
     * fleet is connected and says how it is spread.
     */
    private String wholeAgain(List<Api> apis, int victim, String metric, Instant kill, Instant victimBack)
            throws InterruptedException {
        if (victimBack == null) {
            return "; it held no agents again";
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        List<Double> spread = List.of();
        while (System.nanoTime() < deadline) {
            spread = apis.stream()
                    .map(a -> a.metrics().getOrDefault(metric, 0.0))
                    .toList();
            if (spread.stream().mapToDouble(Double::doubleValue).sum() >= n) {
                return String.format(
                        "; it held agents again %.1f s after the kill, and the fleet was whole again, %s, %.1f s"
                                + " after the kill",
                        ModeRun.seconds(kill, victimBack),
                        ControlPlanes.perReplica(spread, "%.0f"),
                        ModeRun.seconds(kill, Instant.now()));
            }
            Thread.sleep(500);
        }
        return String.format(
                "; it held agents again %.1f s after the kill, but the fleet was not whole two minutes later (%s)",
                ModeRun.seconds(kill, victimBack), ControlPlanes.perReplica(spread, "%.0f"));
    }

    private static String what(String metric) {
        return switch (metric) {
            case "tide_push_sessions" -> "push sessions";
            case "tide_watch_parked" -> "parked watches";
            default -> "push leases";
        };
    }

    private static String others(int replicas, int victim) {
        return String.join(
                " and ",
                java.util.stream.IntStream.range(0, replicas)
                        .filter(i -> i != victim)
                        .mapToObj(ControlPlanes::replicaId)
                        .toList());
    }

    /** Every target of the deployment healthy: one per node, all of them. */
    private void requireHealthyEverywhere(JsonNode deployment) {
        long healthy = deployment
                .get("targets")
                .valueStream()
                .filter(t -> t.hasNonNull("healthyAt"))
                .count();
        if (healthy != n) {
            throw new IllegalStateException(
                    "the deployment after the kill is healthy on " + healthy + " of " + n + " nodes");
        }
    }

    /** Starts the killed replica again; completes with the seconds from the kill until it answers. */
    private static CompletableFuture<Double> restartInBackground(ControlPlaneProcess replica, Instant kill) {
        return inBackground("bench-restart", () -> {
            replica.start(RESTART);
            return ModeRun.seconds(kill, Instant.now());
        });
    }

    /** On a thread of its own: the common pool may have a single thread, which the curve holds. */
    private static <T> CompletableFuture<T> inBackground(String name, java.util.function.Supplier<T> work) {
        CompletableFuture<T> done = new CompletableFuture<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        done.complete(work.get());
                    } catch (RuntimeException e) {
                        done.completeExceptionally(e);
                    }
                },
                name);
        thread.setDaemon(true);
        thread.start();
        return done;
    }

    private static double await(CompletableFuture<Double> up) throws InterruptedException {
        try {
            return up.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("restart: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
