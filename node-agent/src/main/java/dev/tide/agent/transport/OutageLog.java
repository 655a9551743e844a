package dev.tide.agent.transport;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * The log of one kind of call while the control plane does not answer it: the first failure and
 * every {@value #EVERY}th at WARN, the others at DEBUG, and the end of the outage at INFO. A
 * fleet whose control plane restarts would otherwise write a WARN line per agent and retry.
 */
final class OutageLog {
    static final int EVERY = 10;

    private final Logger log;
    private final String call;
    private final LongSupplier nanoTime;
    private long since;
    private int failures;

    OutageLog(Logger log, String call) {
        this(log, call, System::nanoTime);
    }

    OutageLog(Logger log, String call, LongSupplier nanoTime) {
        this.log = log;
        this.call = call;
        this.nanoTime = nanoTime;
    }

    /** One more failure; {@code format} and {@code args} say what failed, as slf4j formats them. */
    synchronized void failed(String format, Object... args) {
        if (failures == 0) {
            since = nanoTime.getAsLong();
        }
        failures++;
        if (failures == 1) {
            log.warn(
                    format + " (until it answers, every " + EVERY
                            + "th failure is logged at WARN, the others at DEBUG)",
                    args);
        } else if (failures % EVERY == 0) {
            log.warn(format + " (" + failures + " failures in a row, for " + elapsed() + ")", args);
        } else if (log.isDebugEnabled()) {
            log.debug(format, args);
        }
    }

    /** The call worked: ends an outage, saying how long it lasted. */
    synchronized void succeeded() {
        if (failures > 0) {
            log.info("{} answered again after {} failure(s) in a row, for {}", call, failures, elapsed());
            failures = 0;
        }
    }

    synchronized int failures() {
        return failures;
    }

    private String elapsed() {
        Duration d = Duration.ofNanos(nanoTime.getAsLong() - since);
        return d.toSeconds() >= 1 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
