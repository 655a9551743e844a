package dev.tide.controlplane.cluster;

import java.util.Set;

/**
 * A feature's side of the cluster bus: what it does with another replica's messages, and how it
 * catches up when messages may have been missed (the listen connection was lost, or the periodic
 * fingerprint of its tables moved without a message explaining it).
 */
public interface ClusterSubscriber {
    /** The topics this subscriber handles. */
    Set<String> topics();

    /** Another replica committed this change; runs on the bus's apply thread. */
    void received(ClusterMessage message);

    /**
     * A query answering one row and one column that changes whenever the data this subscriber
     * caches changes, cheap enough to run every fallback interval; null for none.
     */
    default String fingerprintQuery() {
        return null;
    }

    /** Anything may have changed: compare every cached item with the database and wake what moved. */
    void resync();
}
