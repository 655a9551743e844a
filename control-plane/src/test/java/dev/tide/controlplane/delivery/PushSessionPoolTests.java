package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.environment.DeliveryMode;
import dev.tide.controlplane.node.NodeRepository.PushTarget;
import dev.tide.proto.agent.v1.Schedule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

/**
 * Dials to agents: oldest request first, never more than the limit of handshakes at once, the
 * next one started as soon as one ends, one queued dial per node, a deadline on every handshake
 * and a backoff after a failed session.
 */
class PushSessionPoolTests {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

    /** What the opener and the sessions were asked to do, in order. */
    private final List<String> events = new ArrayList<>();

    private final List<FakeSession> started = new ArrayList<>();
    private final List<Runnable> deadlines = new ArrayList<>();
    private RandomGenerator jitter = BackoffTests.Jitter.LONGEST;
    private final PushSessionPool<FakeSession> pool = pool(2);

    @Test
    void neverMoreHandshakesAtOnceThanTheLimit() {
        List<PushTarget> nodes = targets(5);

        nodes.forEach(t -> pool.dial(t, null));

        assertThat(names(started)).containsExactly("node-0", "node-1");
        assertThat(pool.connecting()).as("two handshaking, three queued").isEqualTo(5);
        assertThat(pool.size()).isEqualTo(2);
    }

    @Test
    void theOldestQueuedDialStartsAsSoonAsAHandshakeEnds() {
        List<PushTarget> nodes = targets(5);
        nodes.forEach(t -> pool.dial(t, null));

        pool.connected(nodes.get(1).id());
        assertThat(names(started)).containsExactly("node-0", "node-1", "node-2");

        FakeSession first = started.get(0);
        pool.closed(nodes.get(0).id(), first, true);
        assertThat(names(started)).containsExactly("node-0", "node-1", "node-2", "node-3");
        assertThat(pool.connecting()).isEqualTo(3);

        pool.connected(nodes.get(1).id()); // a second Hello frees no other slot
        assertThat(started).hasSize(4);
    }

    @Test
    void aNodeDialledTwiceIsQueuedOnceWithTheNewerRequest() {
        List<PushTarget> nodes = targets(3);
        Schedule pull = Schedule.newBuilder().setIntervalSeconds(30).build();
        pool.dial(nodes.get(0), null);
        pool.dial(nodes.get(1), null);
        pool.dial(nodes.get(2), null);
        pool.dial(nodes.get(2), pull);
        assertThat(pool.connecting()).isEqualTo(3);

        pool.connected(nodes.get(0).id());
        pool.connected(nodes.get(1).id());
        pool.connected(nodes.get(2).id());

        assertThat(names(started)).containsExactly("node-0", "node-1", "node-2");
        assertThat(started.get(2).handOffs).containsExactly(pull);
        assertThat(events).containsSubsequence("start node-2", "hand-off node-2");
        assertThat(pool.connecting()).isZero();
    }

    @Test
    void aNodeWithALiveSessionIsNotDialledAgain() {
        PushTarget node = targets(1).get(0);
        pool.dial(node, null);
        pool.connected(node.id());

        pool.dial(node, null);

        assertThat(started).hasSize(1);
        assertThat(pool.connecting()).isZero();
        assertThat(pool.get(node.id())).isSameAs(started.get(0));
    }

    @Test
    void aClosedSessionIsReplacedAndTheNewOneIsHeldBeforeItsCallStarts() {
        PushTarget node = targets(1).get(0);
        pool.dial(node, null);
        FakeSession old = started.get(0);
        old.closed = true; // closed, and the pool not told yet

        pool.dial(node, null);

        assertThat(started).hasSize(2);
        assertThat(pool.get(node.id())).isSameAs(started.get(1));
        pool.closed(node.id(), old, false); // the old session's late report removes nothing
        assertThat(pool.get(node.id())).isSameAs(started.get(1));
    }

    @Test
    void dialsThatTimeOutHalveTheWindowOncePerCrowdAndSuccessesGrowItBack() {
        PushSessionPool<FakeSession> wide = pool(32); // floor 32 / 16 = 2
        List<PushTarget> nodes = targets(100);
        int before = started.size();
        nodes.forEach(t -> wide.dial(t, null));
        assertThat(started.size() - before).isEqualTo(32);

        // the whole first crowd times out: one halving for all of it, not one per dial
        for (FakeSession s : List.copyOf(started.subList(before, before + 32))) {
            wide.closed(s.node, s, true, true);
        }
        assertThat(wide.window()).isEqualTo(16);
        assertThat(started.size() - before).as("refilled to the new window").isEqualTo(32 + 16);

        // a dial of the new crowd times out too: halved again
        FakeSession late = started.get(before + 32);
        wide.closed(late.node, late, true, true);
        assertThat(wide.window()).isEqualTo(8);

        // a refused connection is a node that is down, not a crowd: the window stays
        FakeSession refused = started.get(before + 33);
        wide.closed(refused.node, refused, true, false);
        assertThat(wide.window()).isEqualTo(8);

        // every success widens it by one, up to the limit
        FakeSession ok = started.get(before + 34);
        wide.connected(ok.node);
        assertThat(wide.window()).isEqualTo(9);
        wide.connected(ok.node); // a second Hello of the same session counts once
        assertThat(wide.window()).isEqualTo(9);
    }

    @Test
    void theWindowNeverShrinksBelowASixteenthOfTheLimit() {
        PushSessionPool<FakeSession> wide = pool(32);
        List<PushTarget> nodes = targets(200);
        nodes.forEach(t -> wide.dial(t, null));
        int from = 0;
        for (int round = 0; round < 10; round++) { // every crowd times out, each started under a smaller window
            List<FakeSession> crowd = List.copyOf(started.subList(from, started.size()));
            from = started.size();
            crowd.forEach(c -> wide.closed(c.node, c, true, true));
        }
        assertThat(wide.window()).isEqualTo(2);
    }

    @Test
    void everyHandshakeHasTheConnectDeadline() {
        List<PushTarget> nodes = targets(2);
        nodes.forEach(t -> pool.dial(t, null));

        assertThat(deadlines).hasSize(2);
        deadlines.get(1).run();

        assertThat(started.get(0).timedOut).isFalse();
        assertThat(started.get(1).timedOut).isTrue();
    }

    @Test
    void aFailedNodeIsNotDialledUntilItsBackoffPassesAndAnOpenSessionForgetsIt() {
        PushTarget node = targets(1).get(0);
        pool.dialWhenDue(node, null);
        pool.closed(node.id(), started.get(0), true);

        pool.dialWhenDue(node, null);
        assertThat(started).as("backing off for up to a second").hasSize(1);

        jitter = BackoffTests.Jitter.NONE;
        PushSessionPool<FakeSession> fresh = pool(2);
        fresh.dialWhenDue(node, null);
        fresh.closed(node.id(), started.get(1), true);
        fresh.dialWhenDue(node, null);
        assertThat(started).as("a zero draw dials again at once").hasSize(3);
    }

    @Test
    void aSessionThatEndedNormallyIsDialledAgainAtOnce() {
        PushTarget node = targets(1).get(0);
        pool.dialWhenDue(node, null);
        pool.connected(node.id());
        pool.closed(node.id(), started.get(0), false);

        pool.dialWhenDue(node, null);

        assertThat(started).hasSize(2);
    }

    @Test
    void aStoppedPoolClosesItsSessionsAndOpensNoMore() {
        List<PushTarget> nodes = targets(3);
        nodes.forEach(t -> pool.dial(t, null));

        pool.stop();
        pool.connected(nodes.get(0).id());

        assertThat(started).hasSize(2).allSatisfy(s -> assertThat(s.closed).isTrue());
    }

    private PushSessionPool<FakeSession> pool(int maxConnecting) {
        List<PushSessionPool<FakeSession>> self = new ArrayList<>(1);
        PushSessionPool<FakeSession> p = new PushSessionPool<>(
                maxConnecting,
                CONNECT_TIMEOUT,
                new Backoff(CLOCK, jitter),
                (task, delay) -> {
                    assertThat(delay).isEqualTo(CONNECT_TIMEOUT);
                    deadlines.add(task);
                },
                new PushSessionPool.Opener<>() {
                    @Override
                    public FakeSession create(PushTarget target) {
                        return new FakeSession(target.name(), target.id());
                    }

                    @Override
                    public void start(FakeSession session, PushTarget target) {
                        assertThat(self.get(0).get(target.id()))
                                .as("held by the pool before its call starts")
                                .isSameAs(session);
                        events.add("start " + target.name());
                        started.add(session);
                    }
                });
        self.add(p);
        p.start();
        return p;
    }

    private static List<PushTarget> targets(int n) {
        List<PushTarget> targets = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            targets.add(
                    new PushTarget(UUID.randomUUID(), "node-" + i, "prod", "node-" + i + ":7443", DeliveryMode.PUSH));
        }
        return targets;
    }

    private static List<String> names(List<FakeSession> sessions) {
        return sessions.stream().map(s -> s.name).toList();
    }

    private final class FakeSession implements PushSessionPool.Member {
        final String name;
        final UUID node;
        final List<Schedule> handOffs = new ArrayList<>();
        boolean closed;
        boolean timedOut;

        FakeSession(String name, UUID node) {
            this.name = name;
            this.node = node;
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public void handOff(Schedule schedule) {
            events.add("hand-off " + name);
            handOffs.add(schedule);
        }

        @Override
        public void connectTimedOut() {
            timedOut = true;
        }
    }
}
