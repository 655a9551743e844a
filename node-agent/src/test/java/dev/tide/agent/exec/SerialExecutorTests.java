package dev.tide.agent.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Many agents' serial executors over one small pool: order, exclusion and shutdown per agent. */
class SerialExecutorTests {
    private final ExecutorService pool = Executors.newFixedThreadPool(4);

    @AfterEach
    void tearDown() {
        pool.shutdownNow();
    }

    @Test
    void eachAgentsTasksRunInOrderAndNeverTwoAtOnceWhileAgentsShareThePool() throws Exception {
        int agents = 50;
        int tasks = 200;
        List<SerialExecutor> serials = new java.util.ArrayList<>();
        List<List<Integer>> seen = new java.util.ArrayList<>();
        AtomicBoolean overlap = new AtomicBoolean();
        for (int a = 0; a < agents; a++) {
            SerialExecutor serial = new SerialExecutor(pool);
            List<Integer> order = new CopyOnWriteArrayList<>();
            AtomicInteger running = new AtomicInteger();
            for (int t = 0; t < tasks; t++) {
                int task = t;
                serial.execute(() -> {
                    if (running.incrementAndGet() > 1) {
                        overlap.set(true);
                    }
                    order.add(task);
                    running.decrementAndGet();
                });
            }
            serials.add(serial);
            seen.add(order);
        }
        for (SerialExecutor serial : serials) {
            serial.shutdown();
            assertThat(serial.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }

        assertThat(overlap).isFalse();
        List<Integer> expected =
                java.util.stream.IntStream.range(0, tasks).boxed().toList();
        assertThat(seen).allSatisfy(order -> assertThat(order).isEqualTo(expected));
    }

    @Test
    void shutdownNowInterruptsOnlyThisAgentsTaskAndRefusesMore() throws Exception {
        SerialExecutor mine = new SerialExecutor(pool);
        SerialExecutor other = new SerialExecutor(pool);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch interrupted = new CountDownLatch(1);
        mine.execute(() -> {
            started.countDown();
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        AtomicBoolean queuedRan = new AtomicBoolean();
        mine.execute(() -> queuedRan.set(true));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();

        assertThat(mine.shutdownNow()).hasSize(1);

        assertThat(interrupted.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(mine.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        assertThat(queuedRan).isFalse();
        assertThatThrownBy(() -> mine.execute(() -> {})).isInstanceOf(RejectedExecutionException.class);
        CountDownLatch otherRan = new CountDownLatch(1);
        other.execute(otherRan::countDown);
        assertThat(otherRan.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
}
