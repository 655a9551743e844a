package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Changing an environment's pushMaxParallel resizes its apply permits in place: applies already
 * in flight stay counted, so a lower limit never briefly allows the old limit plus the new one.
 */
class PushPermitsTests {
    @Test
    void shrinkingWhileAppliesAreInFlightAdmitsNothingNewUntilEnoughFinish() {
        PushDispatcher.Permits permits = new PushDispatcher.Permits(4);
        assertThat(permits.tryAcquire(4)).isTrue();

        permits.resize(4, 2);

        assertThat(permits.tryAcquire()).isFalse();
        permits.release(2); // two of the four in flight finish: still at the new limit of 2
        assertThat(permits.tryAcquire()).isFalse();
        permits.release(); // a third finishes: one of the two may go
        assertThat(permits.tryAcquire()).isTrue();
        assertThat(permits.tryAcquire()).isFalse();
    }

    @Test
    void growingAdmitsTheDifferenceAtOnce() {
        PushDispatcher.Permits permits = new PushDispatcher.Permits(2);
        assertThat(permits.tryAcquire(2)).isTrue();

        permits.resize(2, 5);

        assertThat(permits.tryAcquire(3)).isTrue();
        assertThat(permits.tryAcquire()).isFalse();
    }
}
