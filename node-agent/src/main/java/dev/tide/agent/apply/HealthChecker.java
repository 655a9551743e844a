package dev.tide.agent.apply;

import dev.tide.agent.supervise.Workload;
import java.nio.file.Path;

/** Decides whether a started release is healthy, within the check's timeout. */
public interface HealthChecker {
    /** The outcome; the message says why it is not healthy. */
    record Result(boolean healthy, String message) {
        public static Result ok() {
            return new Result(true, "");
        }

        public static Result failed(String message) {
            return new Result(false, message);
        }
    }

    /** Probes repeatedly until healthy, the workload exits, or the timeout passes. */
    Result await(ResolvedHealthCheck check, Path workDir, Workload workload) throws InterruptedException;

    /**
     * Probes once, for a release that was healthy: the periodic liveness check. Bounded by the
     * probe's own timeout, not the start-up one. By default the same as {@link #await}, for
     * checkers that answer at once.
     */
    default Result probe(ResolvedHealthCheck check, Path workDir, Workload workload) throws InterruptedException {
        return await(check, workDir, workload);
    }
}
