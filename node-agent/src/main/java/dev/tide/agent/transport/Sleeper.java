package dev.tide.agent.transport;

import java.time.Duration;

/** Waits between polls; injected so schedules and backoff are tested without sleeping. */
public interface Sleeper {
    /** Waits up to {@code duration}; returns true when {@link #wake()} cut the wait short. */
    boolean sleep(Duration duration) throws InterruptedException;

    /** Ends the current or next wait early (a mode switch arrived, or the agent is stopping). */
    void wake();

    /** A real sleeper. */
    static Sleeper system() {
        return new SystemSleeper();
    }
}
