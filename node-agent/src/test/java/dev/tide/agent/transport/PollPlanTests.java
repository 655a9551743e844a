package dev.tide.agent.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.agent.support.FixedRandom;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.Schedule;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PollPlanTests {
    private static final Duration RPC = Duration.ofSeconds(10);

    private static Schedule pull(int interval, int jitter, boolean watch, int maxWait) {
        return Schedule.newBuilder()
                .setMode(DeliveryMode.PULL)
                .setIntervalSeconds(interval)
                .setJitterSeconds(jitter)
                .setWatch(watch)
                .setMaxWaitSeconds(maxWait)
                .build();
    }

    @Test
    void intervalModeWaitsTheIntervalPlusRandomJitterAndDoesNotHoldTheCall() {
        PollPlan least = PollPlan.next(pull(20, 5, false, 0), false, FixedRandom.min(), RPC);
        PollPlan most = PollPlan.next(pull(20, 5, false, 0), false, FixedRandom.max(), RPC);

        assertThat(least.delay()).isEqualTo(Duration.ofSeconds(20));
        assertThat(most.delay()).isEqualTo(Duration.ofSeconds(25));
        assertThat(most.waitSeconds()).isZero();
        assertThat(most.deadline()).isEqualTo(RPC);
        assertThat(most.idle()).isFalse();
    }

    @Test
    void watchModeLongPollsAtOnceWithTheServersMaxWaitAndADeadlineBeyondIt() {
        PollPlan plan = PollPlan.next(pull(20, 5, true, 25), false, FixedRandom.max(), RPC);

        assertThat(plan.delay()).isZero();
        assertThat(plan.waitSeconds()).isEqualTo(25);
        assertThat(plan.deadline()).isEqualTo(Duration.ofSeconds(35));
    }

    @Test
    void pushModeIdlesWhenTheAgentListensAndFallsBackToIntervalPollingWhenItDoesNot() {
        Schedule push = Schedule.newBuilder()
                .setMode(DeliveryMode.PUSH)
                .setIntervalSeconds(15)
                .setWatch(true)
                .build();

        assertThat(PollPlan.next(push, true, FixedRandom.min(), RPC).idle()).isTrue();
        PollPlan fallback = PollPlan.next(push, false, FixedRandom.min(), RPC);
        assertThat(fallback.idle()).isFalse();
        assertThat(fallback.delay()).isEqualTo(Duration.ofSeconds(15));
        assertThat(fallback.waitSeconds()).isZero();
    }

    @Test
    void unsetValuesFallBackToThirtySeconds() {
        assertThat(PollPlan.next(null, false, FixedRandom.min(), RPC).delay()).isEqualTo(Duration.ofSeconds(30));
        assertThat(PollPlan.next(pull(0, 0, true, 0), false, FixedRandom.min(), RPC)
                        .waitSeconds())
                .isEqualTo(30);
    }
}
