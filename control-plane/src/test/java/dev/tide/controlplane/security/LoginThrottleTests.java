package dev.tide.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The throttle's decisions alone, on a clock the test moves: no database, no waiting. */
class LoginThrottleTests {
    private static final Duration WINDOW = Duration.ofMinutes(5);
    private static final Duration LOCK = Duration.ofSeconds(30);

    private final SteppingClock clock = new SteppingClock();
    private final LoginThrottle throttle =
            new LoginThrottle(new LoginProperties(5, 20, WINDOW, LOCK, Duration.ofMinutes(2), null, null, null), clock);

    @Test
    void theFifthFailureLocksTheUserForTheFirstLockout() {
        for (int i = 0; i < 4; i++) {
            assertThat(throttle.failed("alice", "10.0.0.1")).isEmpty();
        }
        assertThat(throttle.retryAfter("alice", "10.0.0.1")).isEmpty();

        List<LoginThrottle.Lockout> locked = throttle.failed("alice", "10.0.0.1");

        assertThat(locked).containsExactly(new LoginThrottle.Lockout("user/alice", 5, LOCK));
        assertThat(throttle.retryAfter("alice", "10.0.0.2")).contains(LOCK);
        assertThat(throttle.retryAfter("ALICE", null))
                .as("names are not case-sensitive here")
                .contains(LOCK);
        assertThat(throttle.retryAfter("bob", "10.0.0.1"))
                .as("the address has 5 of 20")
                .isEmpty();
        clock.step(Duration.ofSeconds(10));
        assertThat(throttle.retryAfter("alice", "10.0.0.1")).contains(Duration.ofSeconds(20));
        clock.step(Duration.ofSeconds(20));
        assertThat(throttle.retryAfter("alice", "10.0.0.1")).isEmpty();
    }

    @Test
    void failuresOlderThanTheWindowDoNotCount() {
        for (int i = 0; i < 4; i++) {
            throttle.failed("alice", null);
        }
        clock.step(WINDOW);

        assertThat(throttle.failed("alice", null)).isEmpty();
        assertThat(throttle.retryAfter("alice", null)).isEmpty();
    }

    @Test
    void eachFurtherLockoutDoublesUpToTheMaximum() {
        List<Duration> locks = new java.util.ArrayList<>();
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < 4; i++) {
                throttle.failed("alice", null);
            }
            locks.add(throttle.failed("alice", null).get(0).lockedFor());
            clock.step(throttle.retryAfter("alice", null).orElseThrow());
        }

        assertThat(locks).containsExactly(LOCK, LOCK.multipliedBy(2), LOCK.multipliedBy(4), Duration.ofMinutes(2));
    }

    @Test
    void aKeyQuietForAWindowAfterItsLockStartsOverAtTheFirstLockout() {
        for (int i = 0; i < 5; i++) {
            throttle.failed("alice", null);
        }
        clock.step(LOCK.plus(WINDOW));
        for (int i = 0; i < 4; i++) {
            throttle.failed("alice", null);
        }

        assertThat(throttle.failed("alice", null))
                .singleElement()
                .extracting(LoginThrottle.Lockout::lockedFor)
                .isEqualTo(LOCK);
    }

    @Test
    void aSuccessClearsTheUserButNotTheAddress() {
        for (int i = 0; i < 4; i++) {
            throttle.failed("alice", "10.0.0.1");
        }
        throttle.succeeded("alice");

        assertThat(throttle.failed("alice", "10.0.0.1")).isEmpty();
        for (int i = 0; i < 14; i++) {
            throttle.failed("user-" + i, "10.0.0.1");
        }
        assertThat(throttle.failed("mallory", "10.0.0.1"))
                .extracting(LoginThrottle.Lockout::subject)
                .containsExactly("address/10.0.0.1");
        assertThat(throttle.retryAfter("carol", "10.0.0.1")).contains(LOCK);
        assertThat(throttle.retryAfter("carol", "10.0.0.9")).isEmpty();
    }

    /** A clock that moves only when told to. */
    private static final class SteppingClock extends Clock {
        private Instant now = Instant.parse("2026-12-01T10:00:00Z");

        void step(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
