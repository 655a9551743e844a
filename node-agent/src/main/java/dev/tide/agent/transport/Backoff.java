package dev.tide.agent.transport;

import dev.tide.proto.agent.v1.Schedule;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the n-th consecutive failure waits a random time between
 * 0 and min(cap, base * 2^(n-1)). Spreads a fleet's retries after a control-plane outage; the
 * calls to the control plane take their cap from it ({@link #following}).
 *
 * <p>A control plane that sheds load answers RESOURCE_EXHAUSTED with the gRPC retry pushback
 * trailer ({@code grpc-retry-pushback-ms}, gRFC A6): how long this agent should stay away, already
 * spread over the callers it turned away. {@link #after} honours it instead of the agent's own
 * guess; the agent never gives up.
 */
public final class Backoff {
    /** The server's pushback, in milliseconds (gRFC A6). */
    public static final Metadata.Key<String> PUSHBACK =
            Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

    /** A pushback longer than this is taken as this: a wrong or hostile value must not park an agent for hours. */
    static final Duration LONGEST_PUSHBACK = Duration.ofMinutes(5);

    /** The agent's own cap, used where the control plane has not given one. */
    public static final Duration DEFAULT_CAP = Duration.ofSeconds(60);

    private static final Duration BASE = Duration.ofSeconds(1);

    private final Duration base;
    private final Supplier<Duration> cap;
    private final RandomGenerator random;
    private int failures;

    public Backoff(Duration base, Duration cap, RandomGenerator random) {
        this(base, () -> cap, random);
    }

    private Backoff(Duration base, Supplier<Duration> cap, RandomGenerator random) {
        this.base = base;
        this.cap = cap;
        this.random = random;
    }

    /** The default: base 1s, cap 60s. */
    public static Backoff standard(RandomGenerator random) {
        return new Backoff(BASE, DEFAULT_CAP, random);
    }

    /**
     * Base 1s, capped by the control plane's {@code reconnect_cap_seconds} in the schedule the
     * agent follows (sized to the fleet, so that after an outage the fleet's retries reach the
     * control plane at a rate it absorbs), or at 60s where it gave none. A cap beyond 5 minutes is
     * taken as 5 minutes, like a pushback.
     */
    public static Backoff following(ScheduleState schedules, RandomGenerator random) {
        return new Backoff(BASE, () -> reconnectCap(schedules.current()), random);
    }

    static Duration reconnectCap(Schedule schedule) {
        int seconds = schedule.getReconnectCapSeconds();
        if (seconds <= 0) {
            return DEFAULT_CAP;
        }
        Duration cap = Duration.ofSeconds(seconds);
        return cap.compareTo(LONGEST_PUSHBACK) > 0 ? LONGEST_PUSHBACK : cap;
    }

    /** The upper bound of the next wait. */
    public synchronized Duration ceiling() {
        long capMillis = cap.get().toMillis();
        long factor = 1L << Math.min(failures, 30);
        long millis = base.toMillis() > capMillis / factor ? capMillis : base.toMillis() * factor;
        return Duration.ofMillis(Math.min(millis, capMillis));
    }

    /** Records a failure and returns how long to wait before the next attempt. */
    public synchronized Duration next() {
        long bound = ceiling().toMillis();
        failures++;
        return Duration.ofMillis(random.nextLong(bound + 1));
    }

    /**
     * Records a failure and returns how long to wait: the control plane's pushback when the
     * failure carries one, else {@link #next()}.
     */
    public synchronized Duration after(Throwable failure) {
        Optional<Duration> pushback = pushback(failure);
        if (pushback.isEmpty()) {
            return next();
        }
        failures++;
        return pushback.get();
    }

    /** The pushback a RESOURCE_EXHAUSTED answer carries; empty for any other failure. */
    public static Optional<Duration> pushback(Throwable failure) {
        if (Status.fromThrowable(failure).getCode() != Status.Code.RESOURCE_EXHAUSTED) {
            return Optional.empty();
        }
        Metadata trailers = Status.trailersFromThrowable(failure);
        String value = trailers == null ? null : trailers.get(PUSHBACK);
        if (value == null) {
            return Optional.empty();
        }
        try {
            long millis = Long.parseLong(value.trim());
            if (millis < 0) {
                return Optional.empty(); // "do not retry" in gRFC A6; an agent always retries, with its own backoff
            }
            Duration d = Duration.ofMillis(millis);
            return Optional.of(d.compareTo(LONGEST_PUSHBACK) > 0 ? LONGEST_PUSHBACK : d);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    public synchronized void reset() {
        failures = 0;
    }

    public synchronized int failures() {
        return failures;
    }
}
