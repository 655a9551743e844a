package dev.tide.agent.support;

import dev.tide.agent.apply.HealthChecker;
import dev.tide.agent.supervise.Workload;
import dev.tide.agent.supervise.WorkloadRuntime;
import dev.tide.agent.supervise.WorkloadSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** Workloads that only exist in memory, as a bench would run them; healthy unless told otherwise. */
public final class SimulatedRuntime implements WorkloadRuntime, HealthChecker {
    public final List<WorkloadSpec> started = new CopyOnWriteArrayList<>();
    public final List<String> stopped = new CopyOnWriteArrayList<>();
    public final Set<String> unhealthyApps = ConcurrentHashMap.newKeySet();
    private final Map<Long, Sim> byPid = new ConcurrentHashMap<>();
    private final AtomicLong pids = new AtomicLong(100_000);

    @Override
    public Workload start(WorkloadSpec spec) {
        started.add(spec);
        Sim sim = new Sim(spec.app(), pids.incrementAndGet(), Instant.now());
        byPid.put(sim.pid, sim);
        return sim;
    }

    @Override
    public Optional<Workload> adopt(long pid, Instant startedAt) {
        return Optional.ofNullable(byPid.get(pid)).filter(Sim::isAlive).map(w -> w);
    }

    @Override
    public Result await(dev.tide.agent.apply.ResolvedHealthCheck check, java.nio.file.Path dir, Workload workload) {
        Sim sim = (Sim) workload;
        return unhealthyApps.contains(sim.app) ? Result.failed("simulated failure") : Result.ok();
    }

    public List<String> startedApps() {
        return started.stream().map(WorkloadSpec::app).toList();
    }

    private final class Sim implements Workload {
        final String app;
        final long pid;
        final Instant startedAt;
        final CompletableFuture<OptionalInt> exit = new CompletableFuture<>();

        Sim(String app, long pid, Instant startedAt) {
            this.app = app;
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
            stopped.add(app);
            exit.complete(OptionalInt.of(143));
        }
    }
}
