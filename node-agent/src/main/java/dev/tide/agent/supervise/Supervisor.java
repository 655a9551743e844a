package dev.tide.agent.supervise;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the applications' workloads running: restarts one that exits on its own, with exponential
 * backoff (1s doubling to 60s, reset once it ran for a minute). Exits and restarts are handled on
 * the agent's serial executor so they never race an apply.
 */
public final class Supervisor {
    private static final Duration BASE = Duration.ofSeconds(1);
    private static final Duration CAP = Duration.ofSeconds(60);
    private static final Duration STABLE = Duration.ofSeconds(60);

    /**
     * Told about what the supervisor did; called on the serial executor. {@code cause} is why the
     * agent stopped the workload itself ({@link #restart}), empty when it exited on its own.
     */
    public interface Listener {
        void exited(String app, OptionalInt exitCode, Duration restartIn, String cause);

        void restarted(String app, Workload workload, String cause);

        void restartFailed(String app, String reason, Duration retryIn);
    }

    private final WorkloadRuntime runtime;
    private final Executor serial;
    private final ScheduledExecutorService scheduler;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private volatile Listener listener;
    private volatile boolean closed;

    public Supervisor(WorkloadRuntime runtime, Executor serial, ScheduledExecutorService scheduler, Clock clock) {
        this.runtime = runtime;
        this.serial = serial;
        this.scheduler = scheduler;
        this.clock = clock;
    }

    public void setListener(Listener listener) {
        this.listener = listener;
    }

    /** Starts the workload and supervises it. The caller stops any previous one of the app first. */
    public Workload start(WorkloadSpec spec) throws IOException {
        Workload workload = runtime.start(spec);
        watch(register(spec, workload), workload);
        return workload;
    }

    /** Supervises a workload found running after an agent restart. */
    public void adopt(WorkloadSpec spec, Workload workload) {
        watch(register(spec, workload), workload);
    }

    /** The pids of every workload under supervision. */
    public java.util.Set<Long> pids() {
        java.util.Set<Long> pids = new java.util.HashSet<>();
        entries.values().forEach(e -> pids.add(e.workload.pid()));
        return pids;
    }

    public Optional<Workload> workload(String app) {
        return Optional.ofNullable(entries.get(app)).map(e -> e.workload);
    }

    /** Stops supervising the app and stops its workload (grace, then kill). */
    public void stop(String app, Duration grace) throws InterruptedException {
        Entry entry = entries.remove(app);
        if (entry != null) {
            cancelRestart(entry);
            entry.workload.stop(grace);
        }
    }

    /**
     * Stops the app's workload (grace, then kill) and lets it be restarted as if it had exited,
     * so the same backoff applies: for a workload that runs but no longer works ({@code cause}).
     */
    public void restart(String app, Duration grace, String cause) throws InterruptedException {
        Entry entry = entries.get(app);
        if (entry != null) {
            entry.cause = cause;
            entry.workload.stop(grace);
        }
    }

    public void stopAll(Duration grace) throws InterruptedException {
        closed = true;
        for (String app : new ArrayList<>(entries.keySet())) {
            stop(app, grace);
        }
    }

    /** Stops supervising without stopping anything: the processes outlive the agent. */
    public void detachAll() {
        closed = true;
        List<Entry> all = new ArrayList<>(entries.values());
        entries.clear();
        all.forEach(this::cancelRestart);
    }

    private Entry register(WorkloadSpec spec, Workload workload) {
        Entry entry = new Entry(spec, workload, clock.instant());
        Entry old = entries.put(spec.app(), entry);
        if (old != null) {
            cancelRestart(old);
        }
        return entry;
    }

    private void watch(Entry entry, Workload workload) {
        workload.onExit().whenComplete((code, error) -> onSerial(() -> exited(entry, workload, code)));
    }

    private void exited(Entry entry, Workload workload, OptionalInt code) {
        if (closed || entries.get(entry.spec.app()) != entry || entry.workload != workload) {
            return; // stopped on purpose or replaced
        }
        if (Duration.between(entry.since, clock.instant()).compareTo(STABLE) >= 0) {
            entry.failures = 0;
        }
        Duration delay = nextDelay(entry);
        listener().exited(entry.spec.app(), code == null ? OptionalInt.empty() : code, delay, entry.cause);
        scheduleRestart(entry, delay);
    }

    private void restart(Entry entry) {
        if (closed || entries.get(entry.spec.app()) != entry) {
            return;
        }
        try {
            Workload workload = runtime.start(entry.spec);
            entry.workload = workload;
            entry.since = clock.instant();
            watch(entry, workload);
            String cause = entry.cause;
            entry.cause = "";
            listener().restarted(entry.spec.app(), workload, cause);
        } catch (IOException | RuntimeException e) {
            Duration delay = nextDelay(entry);
            listener().restartFailed(entry.spec.app(), e.getMessage(), delay);
            scheduleRestart(entry, delay);
        }
    }

    private Duration nextDelay(Entry entry) {
        int shift = Math.min(entry.failures++, 16);
        Duration delay = BASE.multipliedBy(1L << shift);
        return delay.compareTo(CAP) > 0 ? CAP : delay;
    }

    private void scheduleRestart(Entry entry, Duration delay) {
        try {
            entry.restart =
                    scheduler.schedule(() -> onSerial(() -> restart(entry)), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the agent is shutting down
        }
    }

    private void cancelRestart(Entry entry) {
        ScheduledFuture<?> pending = entry.restart;
        if (pending != null) {
            pending.cancel(false);
        }
    }

    private void onSerial(Runnable task) {
        try {
            serial.execute(task);
        } catch (RejectedExecutionException e) {
            // the agent is shutting down
        }
    }

    private Listener listener() {
        Listener l = listener;
        return l != null ? l : NO_LISTENER;
    }

    private static final Listener NO_LISTENER = new Listener() {
        @Override
        public void exited(String app, OptionalInt exitCode, Duration restartIn, String cause) {}

        @Override
        public void restarted(String app, Workload workload, String cause) {}

        @Override
        public void restartFailed(String app, String reason, Duration retryIn) {}
    };

    private static final class Entry {
        final WorkloadSpec spec;
        volatile Workload workload;
        volatile Instant since;
        int failures;
        volatile ScheduledFuture<?> restart;
        /** Why the agent stopped the workload to restart it; empty when it exited on its own. */
        volatile String cause = "";

        Entry(WorkloadSpec spec, Workload workload, Instant since) {
            this.spec = spec;
            this.workload = workload;
            this.since = since;
        }
    }
}
