package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.IntegrationTest;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Last-seen times are written in one statement that never waits for a node row another
 * transaction holds: the held node is kept for the next flush instead of deadlocking.
 */
class LastSeenTrackerTests extends IntegrationTest {
    @Autowired
    LastSeenTracker tracker;

    @Autowired
    TransactionTemplate tx;

    @Test
    void aFlushWritesEveryNodeAndNeverMovesATimeBackwards() {
        String env = createEnvironment("PULL");
        UUID a = insertNode(env, unique("a"), Map.of()).getId();
        UUID b = insertNode(env, unique("b"), Map.of()).getId();
        Instant later = Instant.now().plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        jdbc.update("update node set last_seen_at = ? where id = ?", Timestamp.from(later), b);

        tracker.seen(a);
        tracker.seen(b);
        tracker.flush();

        assertThat(lastSeen(a)).isAfter(Instant.now().minusSeconds(60));
        assertThat(lastSeen(b)).isEqualTo(later);
    }

    @Test
    void aNodeRowHeldByAnotherTransactionIsSkippedAndWrittenOnTheNextFlush() throws Exception {
        String env = createEnvironment("PULL");
        UUID held = insertNode(env, unique("held"), Map.of()).getId();
        UUID free = insertNode(env, unique("free"), Map.of()).getId();
        Instant before = lastSeen(held);
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> tx.executeWithoutResult(s -> {
            jdbc.queryForList("select id from node where id = ? for update", held);
            locked.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();

        tracker.seen(held);
        tracker.seen(free);
        long started = System.nanoTime();
        tracker.flush();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(lastSeen(free)).isAfter(Instant.now().minusSeconds(60));
        assertThat(lastSeen(held)).isEqualTo(before);
        assertThat(tracker.pendingCount()).isGreaterThanOrEqualTo(1);

        release.countDown();
        holder.get(10, TimeUnit.SECONDS);
        tracker.flush();
        assertThat(lastSeen(held)).isAfter(before == null ? Instant.EPOCH : before);
    }

    private Instant lastSeen(UUID node) {
        List<Timestamp> at = jdbc.queryForList("select last_seen_at from node where id = ?", Timestamp.class, node);
        return at.isEmpty() || at.get(0) == null ? null : at.get(0).toInstant();
    }
}
