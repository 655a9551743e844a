package dev.tide.controlplane.cluster;

/**
 * One change another replica must hear of: a {@code topic} (what kind of change), a {@code key}
 * (which environment, node, user or deployment) and an optional range {@code from..to} (the
 * generations a change drew). Messages of one transaction with the same topic and key are merged
 * into one whose range covers them all, so a wave of ten thousand nodes is one message.
 */
public record ClusterMessage(String topic, String key, long from, long to) {
    public ClusterMessage {
        if (topic == null || topic.isEmpty() || key == null) {
            throw new IllegalArgumentException("a cluster message needs a topic and a key");
        }
    }

    /** A change without a range. */
    public static ClusterMessage of(String topic, String key) {
        return new ClusterMessage(topic, key, 0, 0);
    }

    ClusterMessage merge(ClusterMessage other) {
        return new ClusterMessage(topic, key, Math.min(from, other.from), Math.max(to, other.to));
    }
}
