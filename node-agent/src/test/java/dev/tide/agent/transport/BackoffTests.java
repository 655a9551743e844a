package dev.tide.agent.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.agent.state.LocalState;
import dev.tide.agent.state.MemoryStateStore;
import dev.tide.agent.support.FakeControlPlane;
import dev.tide.agent.support.FixedRandom;
import dev.tide.proto.agent.v1.Schedule;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTests {

    @Test
    void theCeilingDoublesFromOneSecondUpToSixtySeconds() {
        Backoff backoff = Backoff.standard(FixedRandom.max());
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            waits.add(backoff.next().toSeconds());
        }
        assertThat(waits).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
    }

    @Test
    void fullJitterPicksBetweenZeroAndTheCeiling() {
        Backoff low = Backoff.standard(FixedRandom.min());
        low.next();
        low.next();
        assertThat(low.next()).isEqualTo(Duration.ZERO);

        Backoff half = Backoff.standard(FixedRandom.fraction(0.5));
        half.next();
        half.next();
        assertThat(half.next()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aSuccessResetsTheBackoff() {
        Backoff backoff = Backoff.standard(FixedRandom.max());
        backoff.next();
        backoff.next();
        backoff.next();
        backoff.reset();
        assertThat(backoff.failures()).isZero();
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aHugeNumberOfFailuresStaysAtTheCap() {
        Backoff backoff = Backoff.standard(FixedRandom.max());
        for (int i = 0; i < 200; i++) {
            backoff.next();
        }
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void callsToTheControlPlaneTakeTheirCapFromTheScheduleTheAgentFollows() throws Exception {
        LocalState state = LocalState.load(new MemoryStateStore());
        ScheduleState schedules = new ScheduleState(state, FakeControlPlane.watch(3));
        Backoff backoff = Backoff.following(schedules, FixedRandom.max());
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            waits.add(backoff.next().toSeconds());
        }
        assertThat(waits).as("no cap given: the agent's own 60 s").containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L);

        // a small fleet: the control plane brings it back within seconds, even mid-outage
        schedules.update(paced(schedules.current(), 5));
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(5));
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(5));

        backoff.reset();
        schedules.update(paced(schedules.current(), 40));
        waits.clear();
        for (int i = 0; i < 8; i++) {
            waits.add(backoff.next().toSeconds());
        }
        assertThat(waits).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 40L, 40L);

        // a wrong or hostile cap parks no agent for hours
        schedules.update(paced(schedules.current(), 86_400));
        for (int i = 0; i < 10; i++) {
            backoff.next();
        }
        assertThat(backoff.next()).isEqualTo(Duration.ofMinutes(5));
        assertThat(state.current().schedule().getReconnectCapSeconds())
                .as("kept for the next start")
                .isEqualTo(86_400);
    }

    @Test
    void aNewCapAloneChangesNothingTheAgentDoesNow() throws Exception {
        LocalState state = LocalState.load(new MemoryStateStore());
        ScheduleState schedules = new ScheduleState(state, FakeControlPlane.watch(3));
        List<Schedule> heard = new ArrayList<>();
        schedules.onChange(() -> heard.add(schedules.current()));

        schedules.update(paced(FakeControlPlane.watch(3), 10));
        assertThat(heard).as("a pace change does not restart the poll").isEmpty();
        assertThat(schedules.current().getReconnectCapSeconds()).isEqualTo(10);

        Schedule switched = paced(FakeControlPlane.push(), 10);
        schedules.update(switched);
        assertThat(heard).containsExactly(switched);
    }

    private static Schedule paced(Schedule schedule, int capSeconds) {
        return schedule.toBuilder().setReconnectCapSeconds(capSeconds).build();
    }
}
