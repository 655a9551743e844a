package dev.tide.agent.transport;

import dev.tide.proto.agent.v1.DeliveryMode;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * A push-mode agent's occasional call home ({@code --check-in-interval}, 5 minutes by default, plus
 * up to a tenth of it at random so a fleet does not call at once). The call is an ordinary
 * ReportStatus that also carries the agent's push endpoint:
 *
 * <ul>
 *   <li>the control plane learns the new endpoint of a node that moved, and dials it there;
 *   <li>the answer carries the schedule in force, so a node that no session can reach any more (a
 *       new firewall) still learns of a switch to PULL, and starts polling.
 * </ul>
 *
 * A pulling agent needs none of this: its polls do the same.
 */
public final class CheckIn {
    private final StatusReporter reporter;
    private final ScheduleState schedules;
    private final Supplier<String> endpoint;
    private final ScheduledExecutorService timer;
    private final Duration interval;
    private final RandomGenerator random;
    private volatile boolean stopped;

    public CheckIn(
            StatusReporter reporter,
            ScheduleState schedules,
            Supplier<String> endpoint,
            ScheduledExecutorService timer,
            Duration interval,
            RandomGenerator random) {
        this.reporter = reporter;
        this.schedules = schedules;
        this.endpoint = endpoint;
        this.timer = timer;
        this.interval = interval;
        this.random = random;
    }

    public void start() {
        scheduleNext();
    }

    public void stop() {
        stopped = true;
    }

    private void run() {
        if (stopped) {
            return;
        }
        if (schedules.mode() == DeliveryMode.PUSH) {
            reporter.checkIn(endpoint.get());
        }
        scheduleNext();
    }

    private void scheduleNext() {
        long base = interval.toMillis();
        long delay = base + random.nextLong(base / 10 + 1);
        try {
            timer.schedule(this::run, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // the agent is stopping
        }
    }
}
