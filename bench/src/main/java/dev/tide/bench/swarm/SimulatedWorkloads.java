package dev.tide.bench.swarm;

import dev.tide.agent.apply.HealthChecker;
import dev.tide.agent.apply.ResolvedHealthCheck;
import dev.tide.agent.supervise.Workload;
import dev.tide.agent.supervise.WorkloadRuntime;
import dev.tide.agent.supervise.WorkloadSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The workload seam of a simulated node: "processes" that exist in memory, take {@code startTime}
 * to start and {@code healthTime} to pass their health check (each ±50 % at random), and fail
 * their check with probability {@code failureRate}. Everything else an agent does (fetch, verify,
 * unpack, switch, report) runs for real.
 */
public final class SimulatedWorkloads implements WorkloadRuntime, HealthChecker {
    /** How simulated applications behave. */
    public record Behaviour(Duration startTime, Duration healthTime, double failureRate) {
        public Behaviour {
            if (startTime.isNegative() || healthTime.isNegative()) {
                throw new IllegalArgumentException("simulated durations must not be negative");
            }
            if (failureRate < 0 || failureRate > 1) {
                throw new IllegalArgumentException("failure rate must be between 0 and 1, not " + failureRate);
            }
        }
    }

    private final Behaviour behaviour;
    private final Clock clock;
    private final Map<Long, Sim> byPid = new ConcurrentHashMap<>();
    private final AtomicLong pids = new AtomicLong(1_000_000);

    public SimulatedWorkloads(Behaviour behaviour, Clock clock) {
        this.behaviour = behaviour;
        this.clock = clock;
    }

    @Override
    public Workload start(WorkloadSpec spec) {
        pause(behaviour.startTime());
        Sim sim = new Sim(pids.incrementAndGet(), clock.instant());
        byPid.put(sim.pid, sim);
        return sim;
    }

    @Override
    public Optional<Workload> adopt(long pid, Instant startedAt) {
        return Optional.ofNullable(byPid.get(pid)).filter(Sim::isAlive).map(w -> w);
    }

    @Override
    public Result await(ResolvedHealthCheck check, Path workDir, Workload workload) throws InterruptedException {
        Thread.sleep(jittered(behaviour.healthTime()).toMillis());
        if (behaviour.failureRate() > 0 && ThreadLocalRandom.current().nextDouble() < behaviour.failureRate()) {
            return Result.failed("simulated health check failure");
        }
        return workload.isAlive() ? Result.ok() : Result.failed("simulated process exited");
    }

    private static void pause(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(jittered(d).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Duration jittered(Duration d) {
        long ms = d.toMillis();
        return ms <= 1
                ? d
                : Duration.ofMillis(ms / 2 + ThreadLocalRandom.current().nextLong(ms + 1));
    }

    private final class Sim implements Workload {
        final long pid;
        final Instant startedAt;
        final CompletableFuture<OptionalInt> exit = new CompletableFuture<>();

        Sim(long pid, Instant startedAt) {
            this.pid = pid;
            this.startedAt = startedAt;
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public Instant startedAt() {
            return startedAt;
        }

        @Override
        public boolean isAlive() {
            return !exit.isDone();
        }

        @Override
        public CompletableFuture<OptionalInt> onExit() {
            return exit;
        }

        @Override
        public void stop(Duration grace) {
            byPid.remove(pid);
            exit.complete(OptionalInt.of(143));
        }
    }
}
