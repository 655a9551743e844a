package dev.tide.agent.transport;

import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.Schedule;
import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * What the pull loop does next under a schedule.
 *
 * <ul>
 *   <li>PULL with watch: long-poll at once with {@code wait = max_wait_seconds}, deadline wait +
 *       margin.
 *   <li>PULL without watch: sleep {@code interval + random(0..jitter)}, then ask with wait 0.
 *   <li>PUSH with a listener: idle; the control plane opens a session.
 *   <li>PUSH without a listener: the control plane cannot reach the agent, so it keeps polling at
 *       the interval as a fallback.
 * </ul>
 *
 * A zero interval or max wait in the schedule means "unset" and falls back to 30 seconds.
 *
 * @param idle do not poll
 * @param delay how long to wait before the call
 * @param waitSeconds the long-poll wait to ask for
 * @param deadline the call's deadline
 */
public record PollPlan(boolean idle, Duration delay, int waitSeconds, Duration deadline) {
    static final int DEFAULT_SECONDS = 30;
    /** Added to a long-poll's wait so the server's answer arrives before the deadline. */
    static final Duration LONG_POLL_MARGIN = Duration.ofSeconds(10);

    public static PollPlan next(Schedule schedule, boolean listening, RandomGenerator random, Duration rpcTimeout) {
        DeliveryMode mode = schedule == null ? DeliveryMode.PULL : schedule.getMode();
        if (mode == DeliveryMode.PUSH && listening) {
            return new PollPlan(true, Duration.ZERO, 0, Duration.ZERO);
        }
        Schedule s = schedule == null ? Schedule.getDefaultInstance() : schedule;
        if (mode != DeliveryMode.PUSH && s.getWatch()) {
            int wait = s.getMaxWaitSeconds() > 0 ? s.getMaxWaitSeconds() : DEFAULT_SECONDS;
            return new PollPlan(
                    false, Duration.ZERO, wait, Duration.ofSeconds(wait).plus(LONG_POLL_MARGIN));
        }
        long interval = s.getIntervalSeconds() > 0 ? s.getIntervalSeconds() : DEFAULT_SECONDS;
        long jitterMillis = random.nextLong(s.getJitterSeconds() * 1000L + 1);
        return new PollPlan(false, Duration.ofSeconds(interval).plusMillis(jitterMillis), 0, rpcTimeout);
    }
}
