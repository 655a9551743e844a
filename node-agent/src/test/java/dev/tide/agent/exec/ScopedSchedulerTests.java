package dev.tide.agent.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One agent's view of a shared timer: closing it cancels its own tasks and no one else's. */
class ScopedSchedulerTests {
    private final ScheduledExecutorService shared = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void tearDown() {
        shared.shutdownNow();
    }

    @Test
    void shutdownCancelsThisAgentsTasksAndLeavesTheSharedTimerRunning() throws Exception {
        ScopedScheduler mine = new ScopedScheduler(shared);
        ScopedScheduler other = new ScopedScheduler(shared);
        ScheduledFuture<?> once = mine.schedule(() -> {}, 1, TimeUnit.HOURS);
        ScheduledFuture<?> repeating = mine.scheduleWithFixedDelay(() -> {}, 1, 1, TimeUnit.HOURS);
        CountDownLatch otherRan = new CountDownLatch(1);

        mine.shutdown();
        other.schedule(otherRan::countDown, 10, TimeUnit.MILLISECONDS);

        assertThat(once.isCancelled()).isTrue();
        assertThat(repeating.isCancelled()).isTrue();
        assertThat(otherRan.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(shared.isShutdown()).isFalse();
        assertThatThrownBy(() -> mine.schedule(() -> {}, 1, TimeUnit.SECONDS))
                .isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void finishedTasksAreNotKeptForever() throws Exception {
        ScopedScheduler mine = new ScopedScheduler(shared);
        for (int i = 0; i < 1000; i++) {
            mine.schedule(() -> {}, 0, TimeUnit.MILLISECONDS).get(5, TimeUnit.SECONDS);
        }
        CountDownLatch last = new CountDownLatch(1);
        mine.schedule(last::countDown, 0, TimeUnit.MILLISECONDS);
        assertThat(last.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(mine.trackedCount()).isLessThan(5);
    }
}
