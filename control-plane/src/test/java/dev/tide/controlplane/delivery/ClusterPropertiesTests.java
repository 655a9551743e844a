package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClusterPropertiesTests {
    @Test
    void theDefaultReplicaIdIsTheSameAcrossRestartsAndDiffersPerDataDir() {
        ClusterProperties defaults = new ClusterProperties(" ", null, null, null);

        String first = defaults.replicaIdFor(Path.of("/var/lib/tide-1"));

        assertThat(new ClusterProperties(null, null, null, null).replicaIdFor(Path.of("/var/lib/tide-1/../tide-1")))
                .as("a restart on the same data dir")
                .isEqualTo(first);
        assertThat(defaults.replicaIdFor(Path.of("/var/lib/tide-2")))
                .as("another replica on this host")
                .isNotEqualTo(first);
        assertThat(new ClusterProperties("cp-1", null, null, null).replicaIdFor(Path.of("/var/lib/tide-1")))
                .isEqualTo("cp-1");
    }

    @Test
    void settingsThatCannotWorkAreRefusedByName() {
        assertThatThrownBy(() -> new ClusterProperties("x".repeat(129), null, null, null))
                .hasMessageContaining("tide.cluster.replica-id");
        assertThatThrownBy(() -> new ClusterProperties(null, Duration.ofSeconds(4), Duration.ofSeconds(3), null))
                .hasMessageContaining("tide.cluster.lease-renew-interval");
        assertThatThrownBy(() -> new ClusterProperties(null, null, null, 0))
                .hasMessageContaining("tide.cluster.rebalance-rate");
    }

    @Test
    void aRoundHandsBackTheRebalanceRateOverOneRenewInterval() {
        assertThat(new ClusterProperties(null, null, null, null).handBackPerRound())
                .as("200 a second, every 5 s")
                .isEqualTo(1000);
        assertThat(new ClusterProperties(null, Duration.ofSeconds(3), Duration.ofMillis(1500), 3).handBackPerRound())
                .as("rounded up")
                .isEqualTo(5);
        assertThat(new ClusterProperties(null, null, Duration.ofMillis(100), 1).handBackPerRound())
                .as("at least one")
                .isEqualTo(1);
        assertThat(new ClusterProperties(null, Duration.ofDays(2), Duration.ofDays(1), Integer.MAX_VALUE)
                        .handBackPerRound())
                .isEqualTo(Integer.MAX_VALUE);
    }
}
