package dev.tide.controlplane.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Tells the other replicas of a change: {@code pg_notify} inside the transaction that makes it,
 * so that it is delivered if and only if the change commits. The messages of one transaction are
 * merged and sent just before it commits, as few payloads as fit (one for a whole rollout wave),
 * so a change costs one statement more whatever it touches. Each payload carries this replica's
 * id, so that a replica skips what it sent itself (its own caches heard of it in-process).
 */
@Component
public class ClusterBus {
    private final JdbcTemplate jdbc;
    private final ClusterProperties properties;
    private final String replicaId = UUID.randomUUID().toString();
    private final Counter sent;

    ClusterBus(JdbcTemplate jdbc, ClusterProperties properties, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.sent = Counter.builder("tide.cluster.notifications.sent")
                .description("Change notifications sent to the other control-plane replicas")
                .register(meters);
    }

    /** This replica's id, as its payloads carry it. */
    public String replicaId() {
        return replicaId;
    }

    /**
     * Sends {@code message} with the current transaction (merged with the transaction's other
     * messages of the same topic and key), or at once when there is none.
     */
    public void publish(ClusterMessage message) {
        if (!properties.enabled()) {
            return;
        }
        if (!TransactionSynchronizationManager.isSynchronizationActive()
                || TransactionSynchronizationManager.isCurrentTransactionReadOnly()) {
            // NOTIFY is refused in a read-only transaction; without one it commits by itself.
            sent.increment(send(List.of(message)));
            return;
        }
        Batch batch = (Batch) TransactionSynchronizationManager.getResource(this);
        if (batch == null) {
            batch = new Batch();
            TransactionSynchronizationManager.bindResource(this, batch);
            TransactionSynchronizationManager.registerSynchronization(batch);
        }
        batch.add(message);
    }

    /** Sends the messages in as few statements as fit; returns how many. */
    private int send(java.util.Collection<ClusterMessage> messages) {
        List<String> payloads = ClusterCodec.encode(replicaId, messages);
        for (String payload : payloads) {
            jdbc.queryForObject("select pg_notify(?, ?)::text", String.class, properties.channel(), payload);
        }
        return payloads.size();
    }

    /** The messages of one transaction, keyed by topic and key, sent just before it commits. */
    private final class Batch implements TransactionSynchronization {
        private final Map<List<String>, ClusterMessage> messages = new LinkedHashMap<>();
        private boolean flushed;
        private int notifications;

        void add(ClusterMessage message) {
            if (flushed) { // published from another synchronization's beforeCommit, after ours
                notifications += send(List.of(message));
                return;
            }
            messages.merge(List.of(message.topic(), message.key()), message, ClusterMessage::merge);
        }

        @Override
        public void beforeCommit(boolean readOnly) {
            flushed = true;
            if (!messages.isEmpty()) {
                notifications += send(messages.values());
            }
        }

        @Override
        public void afterCompletion(int status) {
            TransactionSynchronizationManager.unbindResourceIfPossible(ClusterBus.this);
            if (status == STATUS_COMMITTED) {
                sent.increment(notifications); // a rolled-back transaction's notifications are never delivered
            }
        }
    }
}
