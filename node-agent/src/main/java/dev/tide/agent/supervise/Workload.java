package dev.tide.agent.supervise;

import java.time.Duration;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/** One running application instance: a real process, or a simulated one in a bench. */
public interface Workload {
    long pid();

    /** When it started; with the pid, identifies the same process after an agent restart. */
    Instant startedAt();

    boolean isAlive();

    /** Completes when it ends, with the exit code when known (not for re-adopted processes). */
    CompletableFuture<OptionalInt> onExit();

    /** Asks it to stop (SIGTERM), waits up to {@code grace}, then kills it. Returns once it is gone. */
    void stop(Duration grace) throws InterruptedException;
}
