package dev.tide.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.IntegrationTest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The throttle's decisions on the real database, on a clock the test moves: no waiting. Each test
 * has its own user names and addresses, as the rows are shared with the rest of the suite.
 */
class LoginThrottleTests extends IntegrationTest {
    private static final Duration WINDOW = Duration.ofMinutes(5);
    private static final Duration LOCK = Duration.ofSeconds(30);

    /** Starts now, so that the suite's purge (on the real clock) leaves this test's rows alone. */
    private final SteppingClock clock = new SteppingClock();

    private final String alice = unique("alice");
    private final String address = anotherAddress();
    private final LoginProperties properties =
            new LoginProperties(5, 20, WINDOW, LOCK, Duration.ofMinutes(2), null, null, null);
    private LoginThrottle throttle;

    @BeforeEach
    void throttle() {
        throttle = new LoginThrottle(properties, clock, jdbc);
    }

    @Test
    void theFifthFailureLocksTheUserForTheFirstLockout() {
        for (int i = 0; i < 4; i++) {
            assertThat(throttle.failed(alice, address)).isEmpty();
        }
        assertThat(throttle.retryAfter(alice, address)).isEmpty();

        List<LoginThrottle.Lockout> locked = throttle.failed(alice, address);

        assertThat(locked).containsExactly(new LoginThrottle.Lockout("user/" + alice, 5, LOCK));
        assertThat(throttle.retryAfter(alice, anotherAddress())).contains(LOCK);
        assertThat(throttle.retryAfter(alice.toUpperCase(Locale.ROOT), null))
                .as("names are not case-sensitive here")
                .contains(LOCK);
        assertThat(throttle.retryAfter(unique("bob"), address))
                .as("the address has 5 of 20")
                .isEmpty();
        clock.step(Duration.ofSeconds(10));
        assertThat(throttle.retryAfter(alice, address)).contains(Duration.ofSeconds(20));
        clock.step(Duration.ofSeconds(20));
        assertThat(throttle.retryAfter(alice, address)).isEmpty();
    }

    @Test
    void failuresOlderThanTheWindowDoNotCount() {
        for (int i = 0; i < 4; i++) {
            throttle.failed(alice, null);
        }
        clock.step(WINDOW);

        assertThat(throttle.failed(alice, null)).isEmpty();
        assertThat(throttle.retryAfter(alice, null)).isEmpty();
    }

    @Test
    void eachFurtherLockoutDoublesUpToTheMaximum() {
        List<Duration> locks = new java.util.ArrayList<>();
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < 4; i++) {
                throttle.failed(alice, null);
            }
            locks.add(throttle.failed(alice, null).get(0).lockedFor());
            clock.step(throttle.retryAfter(alice, null).orElseThrow());
        }

        assertThat(locks).containsExactly(LOCK, LOCK.multipliedBy(2), LOCK.multipliedBy(4), Duration.ofMinutes(2));
    }

    @Test
    void aKeyQuietForAWindowAfterItsLockStartsOverAtTheFirstLockout() {
        for (int i = 0; i < 5; i++) {
            throttle.failed(alice, null);
        }
        clock.step(LOCK.plus(WINDOW));
        for (int i = 0; i < 4; i++) {
            throttle.failed(alice, null);
        }

        assertThat(throttle.failed(alice, null))
                .singleElement()
                .extracting(LoginThrottle.Lockout::lockedFor)
                .isEqualTo(LOCK);
    }

    @Test
    void aSuccessClearsTheUserButNotTheAddress() {
        for (int i = 0; i < 4; i++) {
            throttle.failed(alice, address);
        }
        throttle.succeeded(alice);

        assertThat(throttle.failed(alice, address)).isEmpty();
        for (int i = 0; i < 14; i++) {
            throttle.failed(unique("user"), address);
        }
        assertThat(throttle.failed(unique("mallory"), address))
                .extracting(LoginThrottle.Lockout::subject)
                .containsExactly("address/" + address);
        assertThat(throttle.retryAfter(unique("carol"), address)).contains(LOCK);
        assertThat(throttle.retryAfter(unique("carol"), anotherAddress())).isEmpty();
    }

    @Test
    void failuresAtOnceThroughTwoReplicasAreAllCountedAndLockOnce() throws Exception {
        LoginThrottle other = new LoginThrottle(properties, clock, jdbc);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<LoginThrottle.Lockout>>> attempts = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                LoginThrottle replica = i % 2 == 0 ? throttle : other;
                attempts.add(pool.submit(() -> replica.failed(alice, null)));
            }
            List<LoginThrottle.Lockout> locks = new ArrayList<>();
            for (Future<List<LoginThrottle.Lockout>> attempt : attempts) {
                locks.addAll(attempt.get(30, TimeUnit.SECONDS));
            }

            assertThat(locks).containsExactly(new LoginThrottle.Lockout("user/" + alice, 5, LOCK));
            assertThat(other.retryAfter(alice, null)).contains(LOCK);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aKeyQuietForAWholeWindowIsPurgedAndALockedOneIsKept() {
        String bob = unique("bob");
        for (int i = 0; i < 5; i++) {
            throttle.failed(alice, address);
        }
        throttle.failed(bob, null);
        clock.step(WINDOW);

        throttle.purge();

        assertThat(jdbc.queryForList(
                        "select key from login_throttle where key in (?, ?, ?)",
                        String.class,
                        "user/" + alice,
                        "user/" + bob,
                        "address/" + address))
                .containsExactly("user/" + alice);
        assertThat(throttle.retryAfter(alice, null)).isEmpty();
    }

    @Test
    void namesAndAddressesTheDatabaseCannotStoreAsTheyAreAreCountedAllTheSame() {
        String odd = "\u0000" + unique("long") + "x".repeat(300);
        String oddAddress = "\u0000" + address;
        for (int i = 0; i < 4; i++) {
            assertThat(throttle.failed(odd, oddAddress)).isEmpty();
        }

        assertThat(throttle.failed(odd.toUpperCase(Locale.ROOT), oddAddress)).hasSize(1);
        assertThat(throttle.retryAfter(odd, null)).contains(LOCK);
    }

    /** A made-up client address, different in each call. */
    private static String anotherAddress() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(1, 255);
    }

    /** A clock that moves only when told to. */
    private static final class SteppingClock extends Clock {
        private Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);

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
