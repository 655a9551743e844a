package dev.tide.agent.supervise;

import dev.tide.agent.state.AtomicFiles;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Runs workloads as operating-system processes: argv through ProcessBuilder, never a shell, built
 * by a {@link ProcessLauncher}. Stopping one stops its whole process tree.
 */
public final class ProcessRuntime implements WorkloadRuntime {
    /** Start instants are derived from clock ticks; allow for rounding between two readings. */
    private static final Duration START_TOLERANCE = Duration.ofSeconds(1);

    private final Clock clock;
    private final ProcessLauncher launcher;

    public ProcessRuntime(Clock clock, ProcessLauncher launcher) {
        this.clock = clock;
        this.launcher = launcher;
    }

    @Override
    public Workload start(WorkloadSpec spec) throws IOException {
        // Owner-only: the logs may hold secrets, and a run-as user can pass through the app's folder.
        AtomicFiles.createPrivateDirectory(spec.stdout().getParent());
        AtomicFiles.createPrivateDirectory(spec.stderr().getParent());
        ProcessBuilder pb = launcher.builder(spec.argv(), spec)
                // O_APPEND: after a copy-truncate rotation the process keeps writing at the new end.
                .redirectOutput(ProcessBuilder.Redirect.appendTo(spec.stdout().toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(spec.stderr().toFile()));
        Process process = pb.start();
        ProcessHandle handle = process.toHandle();
        Instant started = handle.info().startInstant().orElse(clock.instant());
        return new ProcessWorkload(handle, started, process.onExit().thenApply(p -> OptionalInt.of(p.exitValue())));
    }

    /** Real processes carry their owner's mark, so those no agent supervises can be found. */
    @Override
    public Optional<Orphans> orphans() {
        return Optional.of(Orphans.linux());
    }

    @Override
    public Optional<Workload> adopt(long pid, Instant startedAt) {
        if (pid <= 0 || startedAt == null) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(h -> h.info()
                        .startInstant()
                        .map(s -> Duration.between(s, startedAt).abs().compareTo(START_TOLERANCE) <= 0)
                        .orElse(false))
                .map(h -> new ProcessWorkload(h, startedAt, h.onExit().thenApply(x -> OptionalInt.empty())));
    }

    private record ProcessWorkload(ProcessHandle handle, Instant startedAt, CompletableFuture<OptionalInt> exit)
            implements Workload {

        @Override
        public long pid() {
            return handle.pid();
        }

        @Override
        public boolean isAlive() {
            return handle.isAlive();
        }

        @Override
        public CompletableFuture<OptionalInt> onExit() {
            return exit;
        }

        /**
         * SIGTERM to the process and every descendant, SIGKILL to whatever is left after the grace
         * (and any child forked meanwhile). The descendants are listed before anything is
         * signalled: a child whose parent exits is reparented and would keep its port.
         */
        @Override
        public void stop(Duration grace) throws InterruptedException {
            if (!handle.isAlive()) {
                return;
            }
            ProcessTrees.stop(this::tree, new LinkedHashSet<>(), grace);
        }

        private void tree(Set<ProcessHandle> into) {
            into.add(handle);
            handle.descendants().forEach(into::add);
        }
    }
}
