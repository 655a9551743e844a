package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;

/**
 * Apply permits: at most pushMaxParallel applies in flight per environment, sessions that found
 * none woken one at a time in the order they came, and a changed limit applied in place, so that
 * a lower limit never briefly allows the old limit plus the new one.
 */
class ApplyPermitsTests {
    /** Wake-ups run only when the test says, as the push threads would run them later. */
    private final Queue<Runnable> wakeups = new ArrayDeque<>();

    private final ApplyPermits permits = new ApplyPermits(wakeups::add);
    private final List<String> woken = new ArrayList<>();

    @Test
    void shrinkingWhileAppliesAreInFlightAdmitsNothingNewUntilEnoughFinish() {
        permits.resize("prod", 4);
        ApplyPermits.Permits prod = permits.of("prod");
        acquire(prod, 4);

        permits.resize("prod", 2);

        assertThat(prod.tryAcquire()).isFalse();
        release(prod, 2); // two of the four in flight finish: still at the new limit of 2
        assertThat(prod.tryAcquire()).isFalse();
        prod.release(); // a third finishes: one of the two may go
        assertThat(prod.tryAcquire()).isTrue();
        assertThat(prod.tryAcquire()).isFalse();
    }

    @Test
    void growingAdmitsTheDifferenceAtOnce() {
        permits.resize("prod", 2);
        ApplyPermits.Permits prod = permits.of("prod");
        acquire(prod, 2);

        permits.resize("prod", 5);

        acquire(prod, 3);
        assertThat(prod.tryAcquire()).isFalse();
    }

    @Test
    void theSameLimitAgainChangesNothingAndEachEnvironmentHasItsOwn() {
        permits.resize("prod", 2);
        permits.resize("prod", 2);
        ApplyPermits.Permits prod = permits.of("prod");

        acquire(prod, 2);
        assertThat(prod.tryAcquire()).isFalse();
        assertThat(permits.of("prod")).isSameAs(prod);
        acquire(permits.of("staging"), ApplyPermits.DEFAULT_SIZE);
        assertThat(permits.of("staging").tryAcquire()).isFalse();
    }

    @Test
    void aReleaseWakesTheLongestWaitingSessionOnly() {
        ApplyPermits.Permits prod = oneHeldIn("prod");
        prod.await(waiter("a", true));
        prod.await(waiter("b", true));
        prod.await(waiter("c", true));

        prod.release();
        assertThat(woken)
                .as("woken later, on the push threads, not inside the release")
                .isEmpty();
        runWakeups();
        assertThat(woken).containsExactly("a");

        prod.release();
        runWakeups();
        assertThat(woken).containsExactly("a", "b");
    }

    @Test
    void growingWakesAsManyWaitingSessionsAsItAddsPermits() {
        ApplyPermits.Permits prod = oneHeldIn("prod");
        prod.await(waiter("a", true));
        prod.await(waiter("b", true));
        prod.await(waiter("c", true));

        permits.resize("prod", 3);
        runWakeups();

        assertThat(woken).containsExactly("a", "b");
    }

    @Test
    void aWaiterThatClosedMeanwhilePassesItsTurnToTheNext() {
        ApplyPermits.Permits prod = oneHeldIn("prod");
        prod.await(waiter("closed", false));
        prod.await(waiter("b", true));
        prod.await(waiter("c", true));

        prod.release();
        runWakeups();

        assertThat(woken).containsExactly("closed", "b");
    }

    @Test
    void aPermitReleasedWhileASessionJoinsTheLineStillReachesIt() {
        ApplyPermits.Permits prod = oneHeldIn("prod");
        assertThat(prod.tryAcquire()).as("the session finds no free permit").isFalse();
        prod.release(); // ... the apply in flight finishes before the session is in line
        runWakeups(); // nobody in line yet

        prod.await(waiter("late", true));
        runWakeups();

        assertThat(woken)
                .as("two sessions racing lost a wake-up, and with it a permit, for good")
                .containsExactly("late");
    }

    @Test
    void aWaiterWhoseAgentCaughtUpMeanwhilePassesTheFreedPermitOn() {
        // e.g. another replica delivered to its node while it waited: it takes no permit, and
        // the line's wake-ups must not end with it (the 10,000-node push stalled so)
        ApplyPermits.Permits prod = oneHeldIn("prod");
        prod.await(waiter("caught-up", false));
        prod.await(waiter("caught-up-too", false));
        prod.await(waiter("behind", true));

        prod.release();
        runWakeups();

        assertThat(woken).containsExactly("caught-up", "caught-up-too", "behind");
    }

    /** The permits of an environment limited to one apply, which is in flight. */
    private ApplyPermits.Permits oneHeldIn(String environment) {
        permits.resize(environment, 1);
        ApplyPermits.Permits held = permits.of(environment);
        acquire(held, 1);
        return held;
    }

    private ApplyPermits.Waiter waiter(String name, boolean stillWaiting) {
        return () -> {
            woken.add(name);
            return stillWaiting;
        };
    }

    private void runWakeups() {
        Runnable task;
        while ((task = wakeups.poll()) != null) {
            task.run();
        }
    }

    private static void acquire(ApplyPermits.Permits permits, int n) {
        for (int i = 0; i < n; i++) {
            assertThat(permits.tryAcquire()).as("permit %d of %d", i + 1, n).isTrue();
        }
    }

    private static void release(ApplyPermits.Permits permits, int n) {
        for (int i = 0; i < n; i++) {
            permits.release();
        }
    }
}
