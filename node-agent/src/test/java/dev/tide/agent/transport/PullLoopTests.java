package dev.tide.agent.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.agent.HostPort;
import dev.tide.agent.apply.Converger;
import dev.tide.agent.state.LocalState;
import dev.tide.agent.state.MemoryStateStore;
import dev.tide.agent.support.FakeControlPlane;
import dev.tide.agent.support.FixedRandom;
import dev.tide.agent.support.ManualTimer;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.Schedule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pull loop against a fake control plane over real gRPC, one step at a time, with a manual
 * timer and a fixed clock: the schedule and backoff decisions are checked without sleeping.
 */
class PullLoopTests {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    private FakeControlPlane cp;
    private GatewayClient gateway;
    private ManualTimer timer = new ManualTimer();
    private final List<DesiredState> applied = new CopyOnWriteArrayList<>();
    private LocalState state;
    private ScheduleState schedules;

    @BeforeEach
    void setUp() throws Exception {
        cp = new FakeControlPlane();
        state = LocalState.load(new MemoryStateStore());
        schedules = new ScheduleState(state, FakeControlPlane.watch(3));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (gateway != null) {
            gateway.close();
        }
        cp.close();
    }

    private PullLoop loop(HostPort target, boolean listening, RandomGenerator random) {
        gateway = new GatewayClient(
                () -> ChannelFactory.netty().open(target, Duration.ofSeconds(60), FakeControlPlane.nodeClientTls()),
                Duration.ofSeconds(5),
                Duration.ofMinutes(1));
        return new PullLoop(
                FakeControlPlane.NODE_ID,
                gateway,
                schedules,
                () -> applied.isEmpty() ? 0 : applied.get(applied.size() - 1).getGeneration(),
                desired -> {
                    applied.add(desired);
                    return CompletableFuture.completedFuture(Converger.Outcome.APPLIED);
                },
                timer,
                Backoff.standard(random),
                random,
                CLOCK,
                listening,
                Duration.ofSeconds(5));
    }

    /** Runs the loop's next task and waits until it has scheduled the one after (its calls are async). */
    private void step() throws Exception {
        timer.runNext();
        await().atMost(Duration.ofSeconds(10)).until(() -> timer.pendingCount() > 0);
    }

    private void stepUntil(BooleanSupplier done) throws Exception {
        for (int i = 0; i < 50 && !done.getAsBoolean(); i++) {
            step();
        }
        assertThat(done.getAsBoolean()).as("reached within 50 steps").isTrue();
    }

    @Test
    void watchModeLongPollsWithTheMaxWaitAndAsksAgainAtOnce() throws Exception {
        cp.setSchedule(FakeControlPlane.watch(3));
        PullLoop loop = loop(cp.address(), false, FixedRandom.max());
        loop.start();
        cp.publish();
        step();
        cp.publish();
        step();

        assertThat(cp.polls).extracting(p -> p.getWaitSeconds()).containsExactly(3, 3);
        assertThat(cp.polls).extracting(p -> p.getKnownGeneration()).containsExactly(0L, 1L);
        // the schedule it follows, so a switch made while a poll travels is answered at once
        assertThat(cp.polls).extracting(p -> p.getKnownScheduleVersion()).containsExactly(7L, 7L);
        assertThat(cp.polls).allSatisfy(p -> assertThat(p.getNodeId()).isEqualTo(FakeControlPlane.NODE_ID));
        assertThat(cp.pollDeadlineMillis).allSatisfy(ms -> assertThat(ms).isBetween(3_000L, 13_000L));
        assertThat(applied).extracting(DesiredState::getGeneration).containsExactly(1L, 2L);
        assertThat(timer.waits()).isEmpty();
        assertThat(cp.rejectedCredentials).isEmpty();
    }

    @Test
    void intervalModeFollowsTheScheduleOfTheLatestAnswer() throws Exception {
        Schedule interval = Schedule.newBuilder()
                .setMode(DeliveryMode.PULL)
                .setIntervalSeconds(20)
                .setJitterSeconds(5)
                .build();
        cp.setSchedule(interval);
        schedules.update(Schedule.newBuilder()
                .setMode(DeliveryMode.PULL)
                .setIntervalSeconds(10)
                .build());
        PullLoop loop = loop(cp.address(), false, FixedRandom.fraction(0.5));
        loop.start();

        // the first poll goes out at once; its answer brings the 20s + 5s schedule
        stepUntil(() -> cp.polls.size() == 3);

        assertThat(schedules.current()).isEqualTo(interval);
        assertThat(state.current().schedule()).isEqualTo(interval); // persisted
        assertThat(cp.polls).extracting(p -> p.getWaitSeconds()).containsExactly(0, 0, 0);
        assertThat(cp.pollDeadlineMillis).allSatisfy(ms -> assertThat(ms).isBetween(1L, 5_000L));
        assertThat(timer.waits()).containsExactly(Duration.ofMillis(22_500), Duration.ofMillis(22_500));
    }

    @Test
    void anUnreachableControlPlaneIsRetriedWithExponentialBackoff() throws Exception {
        HostPort closed = new HostPort("127.0.0.1", dev.tide.agent.support.TestApps.freePort());
        PullLoop loop = loop(closed, false, FixedRandom.max());
        loop.start();

        stepUntil(() -> timer.waits().size() == 8);

        assertThat(timer.waits()).extracting(Duration::toSeconds).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L);
        assertThat(applied).isEmpty();
    }

    @Test
    void aBusyControlPlanesPushbackIsHonouredInsteadOfTheBackoff() throws Exception {
        cp.setSchedule(FakeControlPlane.watch(3));
        cp.shedPolls(3, "7500");
        PullLoop loop = loop(cp.address(), false, FixedRandom.max());
        loop.start();

        stepUntil(() -> timer.waits().size() == 3);
        cp.shedPolls(2, "-1"); // "do not retry": the agent retries anyway, on its own backoff
        stepUntil(() -> timer.waits().size() == 5);
        cp.shedPolls(1, "not-a-number");
        stepUntil(() -> timer.waits().size() == 6);
        cp.shedPolls(1, "86400000"); // a day: capped
        stepUntil(() -> timer.waits().size() == 7);
        cp.publish();
        stepUntil(() -> !applied.isEmpty());

        assertThat(timer.waits())
                .containsExactly(
                        Duration.ofMillis(7500),
                        Duration.ofMillis(7500),
                        Duration.ofMillis(7500),
                        Duration.ofSeconds(8), // the fourth failure in a row: 2^3 s
                        Duration.ofSeconds(16),
                        Duration.ofSeconds(32),
                        Duration.ofMinutes(5));
        assertThat(cp.polls).hasSizeGreaterThanOrEqualTo(8);
    }

    @Test
    void pushModeStopsPollingWhenTheAgentListensAndKeepsPollingWhenItCannot() throws Exception {
        schedules.update(FakeControlPlane.push());
        cp.setSchedule(FakeControlPlane.push());

        PullLoop listening = loop(cp.address(), true, FixedRandom.min());
        listening.start();
        step();
        assertThat(timer.waits()).containsExactly(Duration.ofSeconds(60));
        assertThat(cp.polls).isEmpty();
        assertThat(listening.isPolling()).isFalse();
        listening.stop();
        gateway.close();

        timer = new ManualTimer();
        PullLoop notListening = loop(cp.address(), false, FixedRandom.min());
        notListening.start();
        stepUntil(() -> cp.polls.size() == 2);
        assertThat(cp.polls).extracting(p -> p.getWaitSeconds()).containsOnly(0);
        assertThat(timer.waits()).endsWith(Duration.ofSeconds(30));
    }
}
