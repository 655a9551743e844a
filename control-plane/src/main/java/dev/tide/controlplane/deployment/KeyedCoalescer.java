package dev.tide.controlplane.deployment;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * Runs an action per key on an executor, merging requests: a key already waiting to run is not
 * queued again, however many status batches, ticks and API calls ask for it meanwhile. A request
 * that arrives while the key's action runs queues one more run, so nothing asked for after a run
 * began is missed.
 */
final class KeyedCoalescer<K> {
    private final Set<K> waiting = ConcurrentHashMap.newKeySet();
    private final Executor executor;
    private final Consumer<K> action;

    KeyedCoalescer(Executor executor, Consumer<K> action) {
        this.executor = executor;
        this.action = action;
    }

    /** Runs the action for this key soon, unless a run for it is already waiting. */
    void request(K key) {
        if (waiting.add(key)) {
            executor.execute(() -> {
                waiting.remove(key); // before the run: a request from now on queues the next one
                action.accept(key);
            });
        }
    }
}
