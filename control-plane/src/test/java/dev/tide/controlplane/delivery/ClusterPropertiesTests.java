package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClusterPropertiesTests {
    @Test
    void theDefaultReplicaIdIsTheSameAcrossRestartsAndDiffersPerDataDir() {
        ClusterProperties defaults = new ClusterProperties(" ", null, null);

        String first = defaults.replicaIdFor(Path.of("/var/lib/tide-1"));

        assertThat(new ClusterProperties(null, null, null).replicaIdFor(Path.of("/var/lib/tide-1/../tide-1")))
                .as("a restart on the same data dir")
                .isEqualTo(first);
        assertThat(defaults.replicaIdFor(Path.of("/var/lib/tide-2")))
                .as("another replica on this host")
                .isNotEqualTo(first);
        assertThat(new ClusterProperties("cp-1", null, null).replicaIdFor(Path.of("/var/lib/tide-1")))
                .isEqualTo("cp-1");
    }

    @Test
    void settingsThatCannotWorkAreRefusedByName() {
        assertThatThrownBy(() -> new ClusterProperties("x".repeat(129), null, null))
                .hasMessageContaining("tide.cluster.replica-id");
        assertThatThrownBy(() -> new ClusterProperties(null, Duration.ofSeconds(4), Duration.ofSeconds(3)))
                .hasMessageContaining("tide.cluster.lease-renew-interval");
    }
}
