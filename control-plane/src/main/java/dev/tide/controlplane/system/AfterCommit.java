package dev.tide.controlplane.system;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Defers work to the commit of the current transaction. Metrics use it so that a transaction that
 * rolls back (and is retried, as a failed status batch is in halves) counts nothing, and a retry
 * does not count twice.
 */
public final class AfterCommit {
    private AfterCommit() {}

    /** Runs {@code task} once the current transaction commits; at once when there is none. */
    public static void run(Runnable task) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            task.run();
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                task.run();
            }
        });
    }
}
