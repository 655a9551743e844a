package dev.tide.bench;

import dev.tide.bench.report.Percentiles;
import dev.tide.bench.report.RunResult;
import dev.tide.bench.support.Api;
import dev.tide.bench.support.ControlPlaneProcess;
import dev.tide.bench.support.Processes;
import dev.tide.bench.swarm.Swarm;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.StreamSupport;
import tools.jackson.databind.JsonNode;

/**
 * One mode at one fleet size, on a fresh control plane (one replica, or several on one database):
 * enroll the swarm, measure the idle cost, install, measure an upgrade (latencies, CPU, RPCs,
 * statements, bytes), a two-stage dependent deploy, and the reconnect after a kill -9 (of the
 * busiest replica). A phase that fails or runs out of time ends the run with what was measured so
 * far and the reason.
 */
final class ModeRun {
    static final String ENV = "bench";
    /** Random bytes in every release's artifact: a small service's worth of software to move. */
    static final int ARTIFACT_BYTES = 16 * 1024;

    private final String mode;
    private final int n;
    private final FleetBench.BenchOptions settings;
    private final Consumer<String> progress;
    private final List<String> notes;
    private final Figures f;
    private List<ControlPlaneProbe.Served> served = List.of();

    ModeRun(String mode, int n, FleetBench.BenchOptions settings, Consumer<String> progress, List<String> notes) {
        this.mode = mode;
        this.n = n;
        this.settings = settings;
        this.progress = progress;
        this.notes = notes;
        this.f = new Figures(settings.replicas());
    }

    /** What each replica served the agents from enrollment until the kill (empty before that). */
    List<ControlPlaneProbe.Served> served() {
        return served;
    }

    RunResult run() {
        Path dir = settings.work().resolve(mode + "-" + n);
        try {
            Processes.deleteTree(dir); // a fresh control plane, database and logs for every run
        } catch (java.io.IOException e) {
            return f.result(mode, n, false, "cannot clean " + dir + ": " + e.getMessage());
        }
        String phase = "control plane start";
        ControlPlanes cps = new ControlPlanes(
                dir,
                settings.replicas(),
                settings.httpPort(),
                settings.grpcPort(),
                settings.databasePort(),
                ControlPlaneProcess.benchJvmOptions(settings.controlPlaneHeap()));
        Swarm swarm = null;
        try {
            cps.start(Duration.ofMinutes(3));
            Api api = cps.admin().withToken("bench"); // bcrypt per request would load what we measure
            Tide tide = new Tide(api);
            ControlPlaneProbe probe = cps.probe(api);
            tide.environment(ENV, mode, settings.pushMaxParallel());
            tide.applications(settings.rounds() + 2, ARTIFACT_BYTES);
            String token = tide.fleetToken(ENV, n);

            phase = "enrollment";
            Instant enrollStart = Instant.now();
            swarm = Swarm.launch(
                    new Swarm.Plan(n, settings.perWorker(), settings.workerHeap(), workerSettings(cps, token)), dir);
            // 60 ms a node was tight with two replicas at 10,000 (enrollment took 8.5–11 min).
            swarm.awaitReady(scaled(60, 100), count -> say("enrolled " + count + "/" + n));
            f.enrollSeconds = seconds(enrollStart, Instant.now());

            phase = "connect";
            awaitConnected(tide, probe, Instant.EPOCH, scaled(60, 20));

            phase = "idle";
            ControlPlaneProbe.Counters idle0 = probe.counters();
            Instant idleStart = Instant.now();
            Thread.sleep(settings.idleWindow().toMillis());
            ControlPlaneProbe.Counters idle = probe.counters().minus(idle0);
            double idleSeconds = seconds(idleStart, Instant.now());
            f.idleCpuPercent = idle.jvmCpuSeconds() / idleSeconds * 100;
            double jitPercent = idle.jitCpuSeconds() / idleSeconds * 100;
            say(String.format(
                    "idle: %.1f %% of a core (of which the JIT compilers: %.1f %%)", f.idleCpuPercent, jitPercent));
            notes.add(String.format(
                    "%s N=%,d: of the idle CPU, %.1f %% of a core was the JIT compilers' (summed over the replicas)",
                    mode, n, jitPercent));
            if (cps.size() > 1) {
                notes.add(String.format(
                        "%s N=%,d: idle CPU per replica, %% of a core: %s",
                        mode,
                        n,
                        ControlPlanes.perReplica(
                                idle.replicaCpuSeconds().stream()
                                        .map(c -> c / idleSeconds * 100)
                                        .toList(),
                                "%.1f %%")));
            }
            ControlPlaneProbe.Counters look0 = probe.counters();
            for (int i = 0; i < 20; i++) {
                tide.lookAtDeployments(ENV);
            }
            double lookMillis = probe.counters().minus(look0).jvmCpuSeconds() / 20 * 1000;
            notes.add(String.format(
                    "%s N=%,d: the bench looks at a running deployment once a second; one look costs the control"
                            + " plane %.1f ms of CPU (included in the deployment's CPU)",
                    mode, n, lookMillis));

            phase = "install";
            Duration deployTimeout = scaled(120, 30).plus(intervalAllowance());
            JsonNode install = tide.awaitFinished(
                    tide.deploy(ENV, Map.of("db", "1.0.0"), deployTimeout), deployTimeout.plusSeconds(60));
            requireSucceeded(install, "install");
            say("installed");

            List<Round> rounds = new ArrayList<>();
            for (int r = 1; r <= settings.rounds(); r++) {
                phase = "upgrade " + r;
                ControlPlaneProbe.Counters c0 = probe.counters();
                Swarm.Stats w0 = swarm.stats(Duration.ofSeconds(30));
                Instant t0 = Instant.now();
                JsonNode upgrade = tide.awaitFinished(
                        tide.deploy(ENV, Map.of("db", "1.0." + r), deployTimeout), deployTimeout.plusSeconds(60));
                Instant t1 = Instant.now();
                ControlPlaneProbe.Counters spent = probe.counters().minus(c0);
                Swarm.Stats w1 = swarm.stats(Duration.ofSeconds(30));
                requireSucceeded(upgrade, "upgrade " + r);
                Round round = Round.of(
                        upgrade, spent, seconds(t0, t1), w1.sent() - w0.sent() + w1.received() - w0.received());
                rounds.add(round);
                say(String.format(
                        "upgrade %d: delivered p99 %.0f ms, healthy p99 %.0f ms, %.1f s CPU (+%.1f s PostgreSQL;"
                                + " the swarm's GC %.1f s)",
                        r,
                        round.delivered().p99(),
                        round.healthy().p99(),
                        round.cpuSeconds(),
                        round.dbCpuSeconds(),
                        (w1.gcMillis() - w0.gcMillis()) / 1000.0));
                if (r == settings.rounds()) {
                    notes.add(String.format(
                            "%s N=%,d: swarm workers ran %,d threads for %,d agents",
                            mode, n, w1.threads(), w1.started()));
                }
            }
            f.take(rounds);
            List<Double> heaps = probe.heapAfterGcMb();
            f.heapMb = heaps.stream().mapToDouble(Double::doubleValue).sum();
            f.threads = probe.liveThreads();
            f.sockets = probe.sockets();
            if (cps.size() > 1) {
                List<Double> cpu = new ArrayList<>();
                for (int i = 0; i < cps.size(); i++) {
                    int replica = i;
                    cpu.add(median(rounds.stream()
                            .map(round -> round.replicaCpuSeconds().get(replica))
                            .toList()));
                }
                notes.add(String.format(
                        "%s N=%,d: control-plane CPU per upgrade (median) per replica: %s; heap after GC: %s",
                        mode, n, ControlPlanes.perReplica(cpu, "%.2f s"), ControlPlanes.perReplica(heaps, "%.0f MB")));
            }
            notes.add(String.format(
                    "%s N=%,d: an upgrade (median of %d) also cost the %s PostgreSQL %.1f s of CPU",
                    mode,
                    n,
                    rounds.size(),
                    cps.size() == 1 ? "embedded" : "shared",
                    median(rounds.stream().map(Round::dbCpuSeconds).toList())));

            phase = "dependent deploy";
            JsonNode dependent = tide.awaitFinished(
                    tide.deploy(ENV, Map.of("db", "1.0." + (settings.rounds() + 1), "web", "1.0.0"), deployTimeout),
                    deployTimeout.multipliedBy(2).plusSeconds(60));
            requireSucceeded(dependent, "dependent deploy");
            Instant dbDone = last(dependent, "db", "healthyAt");
            Instant webDelivered = last(dependent, "web", "deliveredAt");
            f.gateMillis = Duration.between(dbDone, webDelivered).toMillis();
            f.dependentSeconds = seconds(instant(dependent, "createdAt"), instant(dependent, "finishedAt"));
            say(String.format("dependent deploy: gate %.0f ms", f.gateMillis));

            phase = "reconnect";
            served = probe.served();
            if (cps.size() > 1) {
                notes.add(String.format(
                        "%s N=%,d: served before the kill, agent RPCs (enrollment included) + push applies: %s",
                        mode,
                        n,
                        served.stream()
                                .map(s ->
                                        String.format("%s %,.0f + %,.0f", s.replica(), s.agentRpcs(), s.pushApplies()))
                                .collect(java.util.stream.Collectors.joining(", "))));
            }
            f.reconnectSeconds =
                    new KillPhase(mode, n, settings.out(), notes, this::say).run(cps, api, tide, deployTimeout);
            return f.result(mode, n, true, "");
        } catch (Exception e) {
            String why = phase + ": " + (e.getMessage() == null ? e.toString() : e.getMessage());
            say("FAILED in " + why);
            return f.result(mode, n, false, why.replace('\n', ' '));
        } finally {
            if (swarm != null) {
                swarm.close();
            }
            closeQuietly(cps);
        }
    }

    private static void closeQuietly(ControlPlanes cps) {
        try {
            cps.close();
        } catch (java.io.IOException e) {
            System.err.println("could not stop the shared database: " + e.getMessage());
        }
    }

    private Map<String, String> workerSettings(ControlPlanes cps, String token) {
        Map<String, String> s = new HashMap<>();
        s.put("control-plane", String.join(",", cps.grpcTargets()));
        s.put("token", token);
        s.put("prefix", "sim");
        s.put("listen-base", mode.equals("push") ? Integer.toString(settings.listenBase()) : "-1");
        s.put("pool", Integer.toString(settings.workerPool()));
        s.put("start-ms", Long.toString(settings.behaviour().startTime().toMillis()));
        s.put("health-ms", Long.toString(settings.behaviour().healthTime().toMillis()));
        s.put("failure-rate", Double.toString(settings.behaviour().failureRate()));
        return s;
    }

    /**
     * Push: every node has a session; watch: every node's long-poll is parked; interval: every
     * node was seen after {@code since}.
     */
    private void awaitConnected(Tide tide, ControlPlaneProbe probe, Instant since, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        double connected = 0;
        while (System.nanoTime() < deadline) {
            connected = switch (mode) {
                case "push" -> probe.scrape().getOrDefault("tide_push_sessions", 0.0);
                case "watch" -> probe.scrape().getOrDefault("tide_watch_parked", 0.0);
                default ->
                    tide.nodes(ENV).stream()
                            .filter(node -> node.hasNonNull("lastSeenAt")
                                    && Instant.parse(node.get("lastSeenAt").asString())
                                            .isAfter(since))
                            .count();
            };
            if (connected >= n) {
                return;
            }
            Thread.sleep(mode.startsWith("interval") ? 2000 : 250);
        }
        throw new Tide.PhaseTimeout(String.format("%.0f of %d agents connected after %s", connected, n, timeout));
    }

    /** What one measured upgrade showed. */
    record Round(
            Percentiles delivered,
            Percentiles applied,
            Percentiles healthy,
            double deploySeconds,
            double exposureSeconds,
            double cpuSeconds,
            List<Double> replicaCpuSeconds,
            double cpuPercent,
            double dbCpuSeconds,
            double rpcsPerSecond,
            double dbStatements,
            double wireBytes) {

        static Round of(JsonNode d, ControlPlaneProbe.Counters spent, double wallSeconds, long wireBytes) {
            List<Double> delivered = new ArrayList<>();
            List<Double> applied = new ArrayList<>();
            List<Double> healthy = new ArrayList<>();
            Instant firstHealthy = null;
            Instant lastHealthy = null;
            for (JsonNode t : d.get("targets")) {
                Instant desired = optional(t, "desiredAt");
                if (desired == null) {
                    continue;
                }
                add(delivered, desired, optional(t, "deliveredAt"));
                add(applied, desired, optional(t, "appliedAt"));
                Instant h = optional(t, "healthyAt");
                add(healthy, desired, h);
                if (h != null) {
                    firstHealthy = firstHealthy == null || h.isBefore(firstHealthy) ? h : firstHealthy;
                    lastHealthy = lastHealthy == null || h.isAfter(lastHealthy) ? h : lastHealthy;
                }
            }
            return new Round(
                    Percentiles.of(delivered),
                    Percentiles.of(applied),
                    Percentiles.of(healthy),
                    seconds(instant(d, "createdAt"), instant(d, "finishedAt")),
                    firstHealthy == null ? Double.NaN : seconds(firstHealthy, lastHealthy),
                    spent.jvmCpuSeconds(),
                    spent.replicaCpuSeconds(),
                    spent.jvmCpuSeconds() / wallSeconds * 100,
                    spent.dbCpuSeconds(),
                    (spent.agentRpcs() + spent.pushApplies()) / wallSeconds,
                    spent.dbStatements(),
                    wireBytes);
        }
    }

    /** The median of the values that were measured (NaN when none was). */
    static double median(List<Double> values) {
        List<Double> measured =
                values.stream().filter(v -> !Double.isNaN(v)).sorted().toList();
        if (measured.isEmpty()) {
            return Double.NaN;
        }
        int mid = measured.size() / 2;
        return measured.size() % 2 == 1 ? measured.get(mid) : (measured.get(mid - 1) + measured.get(mid)) / 2;
    }

    private static Percentiles median(List<Round> rounds, java.util.function.Function<Round, Percentiles> of) {
        return new Percentiles(
                median(rounds.stream().map(r -> of.apply(r).p50()).toList()),
                median(rounds.stream().map(r -> of.apply(r).p99()).toList()),
                median(rounds.stream().map(r -> of.apply(r).max()).toList()));
    }

    private static void add(List<Double> into, Instant from, Instant to) {
        if (to != null) {
            into.add((double) Duration.between(from, to).toMillis());
        }
    }

    static void requireSucceeded(JsonNode d, String what) {
        String state = d.get("state").asString();
        if (!state.equals("SUCCEEDED")) {
            throw new IllegalStateException(
                    what + " ended " + state + ": " + d.path("message").asString(""));
        }
    }

    private Duration scaled(long baseSeconds, long millisPerNode) {
        return Duration.ofSeconds(baseSeconds).plusMillis(millisPerNode * n);
    }

    /** Pull on an interval needs up to an interval plus jitter per step. */
    private Duration intervalAllowance() {
        return mode.startsWith("interval")
                ? Duration.ofSeconds(2L * (Integer.parseInt(mode.substring("interval".length())) + 5))
                : Duration.ZERO;
    }

    private static Instant last(JsonNode d, String app, String field) {
        return StreamSupport.stream(d.get("targets").spliterator(), false)
                .filter(t -> t.get("application").asString().equals(app))
                .map(t -> optional(t, field))
                .filter(java.util.Objects::nonNull)
                .max(Instant::compareTo)
                .orElseThrow(() -> new IllegalStateException("no " + app + " target has " + field));
    }

    static Instant instant(JsonNode node, String field) {
        Instant at = optional(node, field);
        if (at == null) {
            throw new IllegalStateException("deployment has no " + field);
        }
        return at;
    }

    private static Instant optional(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : Instant.parse(v.asString());
    }

    static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }

    private void say(String message) {
        progress.accept(String.format("[%s N=%,d] %s", mode, n, message));
    }

    /** What a run measured so far; NaN (or -1) where a phase did not get that far. */
    private static final class Figures {
        final int replicas;
        double enrollSeconds = Double.NaN;
        double deploySeconds = Double.NaN;
        Percentiles delivered = new Percentiles(Double.NaN, Double.NaN, Double.NaN);
        Percentiles applied = delivered;
        Percentiles healthy = delivered;
        double exposureSeconds = Double.NaN;
        double gateMillis = Double.NaN;
        double dependentSeconds = Double.NaN;
        double cpuSeconds = Double.NaN;
        double cpuPercent = Double.NaN;
        double idleCpuPercent = Double.NaN;
        double heapMb = Double.NaN;
        int threads = -1;
        int sockets = -1;
        double rpcsPerSecond = Double.NaN;
        long dbStatements = -1;
        long wireBytes = -1;
        double reconnectSeconds = Double.NaN;

        Figures(int replicas) {
            this.replicas = replicas;
        }

        /** Each figure of the upgrades is the median over the rounds (each percentile on its own). */
        void take(List<Round> rounds) {
            delivered = median(rounds, Round::delivered);
            applied = median(rounds, Round::applied);
            healthy = median(rounds, Round::healthy);
            deploySeconds = median(rounds.stream().map(Round::deploySeconds).toList());
            exposureSeconds = median(rounds.stream().map(Round::exposureSeconds).toList());
            cpuSeconds = median(rounds.stream().map(Round::cpuSeconds).toList());
            cpuPercent = median(rounds.stream().map(Round::cpuPercent).toList());
            rpcsPerSecond = median(rounds.stream().map(Round::rpcsPerSecond).toList());
            double statements = median(rounds.stream().map(Round::dbStatements).toList());
            dbStatements = Double.isNaN(statements) ? -1 : Math.round(statements);
            wireBytes = Math.round(median(rounds.stream().map(Round::wireBytes).toList()));
        }

        RunResult result(String mode, int n, boolean completed, String failure) {
            return new RunResult(
                    mode,
                    n,
                    completed,
                    failure,
                    enrollSeconds,
                    deploySeconds,
                    delivered,
                    applied,
                    healthy,
                    exposureSeconds,
                    gateMillis,
                    dependentSeconds,
                    cpuSeconds,
                    cpuPercent,
                    idleCpuPercent,
                    heapMb,
                    threads,
                    sockets,
                    rpcsPerSecond,
                    dbStatements,
                    wireBytes,
                    reconnectSeconds,
                    Double.NaN,
                    replicas);
        }
    }
}
