package dev.tide.agent.supervise;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/** Stops process trees: SIGTERM, then SIGKILL to whatever is left after a grace. */
final class ProcessTrees {
    private ProcessTrees() {}

    /**
     * Signals the processes {@code list} adds to a set, and again (with whatever it adds by then,
     * e.g. a child forked meanwhile) with SIGKILL if they have not all exited after {@code grace}.
     * List a tree before signalling it: a child whose parent exits is reparented and can no longer
     * be found under it.
     */
    static void stop(Consumer<Set<ProcessHandle>> list, Set<ProcessHandle> tree, Duration grace)
            throws InterruptedException {
        list.accept(tree);
        tree.forEach(ProcessHandle::destroy);
        if (awaitExit(tree, grace)) {
            return;
        }
        list.accept(tree);
        tree.forEach(ProcessHandle::destroyForcibly);
        awaitExit(tree, Duration.ofSeconds(5));
    }

    private static boolean awaitExit(Set<ProcessHandle> tree, Duration timeout) throws InterruptedException {
        CompletableFuture<?>[] exits = tree.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(exits).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return tree.stream().noneMatch(ProcessHandle::isAlive);
        }
    }
}
