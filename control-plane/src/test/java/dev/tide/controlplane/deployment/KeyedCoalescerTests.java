package dev.tide.controlplane.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import org.junit.jupiter.api.Test;

/**
 * How the rollout merges its wake-ups: a deployment that ten thousand status reports, the tick and
 * the API all ask about while it waits is examined once, and once more if asked while examined.
 */
class KeyedCoalescerTests {
    private final Queue<Runnable> executor = new ArrayDeque<>();
    private final List<String> runs = new ArrayList<>();

    private void runQueued() {
        Runnable task;
        while ((task = executor.poll()) != null) {
            task.run();
        }
    }

    @Test
    void manyRequestsForAWaitingKeyRunItOnce() {
        KeyedCoalescer<String> passes = new KeyedCoalescer<>(executor::add, runs::add);

        for (int i = 0; i < 10_000; i++) {
            passes.request("d1");
        }

        assertThat(executor).hasSize(1);
        runQueued();
        assertThat(runs).containsExactly("d1");
    }

    @Test
    void eachKeyRunsOnItsOwn() {
        KeyedCoalescer<String> passes = new KeyedCoalescer<>(executor::add, runs::add);

        passes.request("d1");
        passes.request("d2");
        passes.request("d1");
        runQueued();

        assertThat(runs).containsExactly("d1", "d2");
    }

    @Test
    void aRequestDuringARunQueuesExactlyOneMore() {
        List<KeyedCoalescer<String>> self = new ArrayList<>();
        KeyedCoalescer<String> passes = new KeyedCoalescer<>(executor::add, key -> {
            runs.add(key);
            if (runs.size() == 1) {
                for (int i = 0; i < 100; i++) {
                    self.get(0).request(key); // reports that arrive while the rollout is examined
                }
            }
        });
        self.add(passes);

        passes.request("d1");
        runQueued();

        assertThat(runs).containsExactly("d1", "d1");
        assertThat(executor).isEmpty();
    }

    @Test
    void afterARunTheKeyCanBeRequestedAgain() {
        KeyedCoalescer<String> passes = new KeyedCoalescer<>(executor::add, runs::add);

        passes.request("d1");
        runQueued();
        passes.request("d1");
        runQueued();

        assertThat(runs).containsExactly("d1", "d1");
    }
}
