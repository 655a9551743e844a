package dev.tide.agent.supervise;

import java.io.IOException;
import java.time.Instant;
import java.util.Optional;

/**
 * Starts and finds workloads. {@link ProcessRuntime} runs real processes; a bench can plug in a
 * simulated runtime so thousands of agents fit in one JVM.
 */
public interface WorkloadRuntime {
    Workload start(WorkloadSpec spec) throws IOException;

    /** The workload still running as {@code pid} since {@code startedAt}, if any (after an agent restart). */
    Optional<Workload> adopt(long pid, Instant startedAt);

    /** How to find the workloads this runtime started and no agent supervises; none by default (simulated). */
    default Optional<Orphans> orphans() {
        return Optional.empty();
    }
}
