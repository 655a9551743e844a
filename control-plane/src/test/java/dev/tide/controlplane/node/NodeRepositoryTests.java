package dev.tide.controlplane.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.controlplane.IntegrationTest;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataIntegrityViolationException;

/** The node table on the real PostgreSQL: JSON labels and the per-environment unique name. */
class NodeRepositoryTests extends IntegrationTest {
    @Autowired
    NodeRepository nodes;

    @Test
    void labelsRoundTripAsJsonObject() {
        String env = createEnvironment("PULL");
        Map<String, String> labels = Map.of("zone", "eu-west-1a", "port", "8081", "tier.name", "web");
        Node saved = insertNode(env, "web-1", labels);

        Node loaded = nodes.findById(saved.getId()).orElseThrow();

        assertThat(loaded.getLabels()).isEqualTo(labels);
        assertThat(jdbc.queryForObject(
                        "select jsonb_typeof(labels) || ':' || (labels ->> 'zone') from node where id = ?",
                        String.class,
                        saved.getId()))
                .isEqualTo("object:eu-west-1a");
    }

    @Test
    void nodeNameIsUniqueWithinItsEnvironmentOnly() {
        String env = createEnvironment("PULL");
        String other = createEnvironment("PUSH");
        insertNode(env, "web-1", Map.of());

        insertNode(other, "web-1", Map.of());
        assertThatThrownBy(() -> nodes.saveAndFlush(
                        new Node(UUID.randomUUID(), "web-1", env, Map.of(), null, null, null, Instant.now())))
                .isInstanceOf(DataIntegrityViolationException.class);

        assertThat(nodes.findAllByEnvironmentOrderByNameAsc(env)).hasSize(1);
    }

    @Test
    void nodeNeedsAnExistingEnvironment() {
        assertThatThrownBy(() -> insertNode(unique("missing"), "web-1", Map.of()))
                .isInstanceOf(DataIntegrityViolationException.class);
    }
}
