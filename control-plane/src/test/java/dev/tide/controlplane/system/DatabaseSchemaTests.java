package dev.tide.controlplane.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.controlplane.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;

/** The schema as Flyway created it on the embedded PostgreSQL, and the rules the database enforces. */
class DatabaseSchemaTests extends IntegrationTest {

    @Test
    void migrationV1IsAppliedOnTheEmbeddedPostgres() {
        Map<String, Object> v1 =
                jdbc.queryForMap("select description, success from flyway_schema_history where version = '1'");

        assertThat(v1).containsEntry("description", "initial schema").containsEntry("success", true);
        assertThat(jdbc.queryForObject("select version()", String.class)).startsWith("PostgreSQL");
        assertThat(dataDir().resolve("postgres").resolve("PG_VERSION")).exists();
    }

    @Test
    void environmentModeIsCheckedByTheDatabase() {
        assertThatThrownBy(() -> jdbc.update("""
                        insert into environment (name, mode, pull_interval_seconds, pull_jitter_seconds,
                            watch_enabled, push_max_parallel, mode_changed_at, created_at, updated_at)
                        values (?, 'SIDEWAYS', 30, 5, false, 50, now(), now(), now())
                        """, unique("env")))
                .isInstanceOf(DataIntegrityViolationException.class)
                .hasMessageContaining("environment_mode_check");
    }

    @Test
    void artifactKeyMustBeALowerCaseSha256() {
        assertThatThrownBy(() -> jdbc.update("insert into artifact (sha256, size, media_type, created_by, created_at)"
                        + " values ('ABC', 1, 'application/octet-stream', 'it', now())"))
                .isInstanceOf(DataIntegrityViolationException.class);
    }

    @Test
    void anEnrollmentTokenNeverCountsMoreUsesThanItAllows() {
        String env = createEnvironment("PULL");
        String id = as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of("maxUses", 2), env)
                .expect(201)
                .text("/id");

        jdbc.update("update enrollment_token set uses = 2 where id = ?::uuid", id);
        assertThatThrownBy(() -> jdbc.update("update enrollment_token set uses = 3 where id = ?::uuid", id))
                .isInstanceOf(DataIntegrityViolationException.class)
                .hasMessageContaining("enrollment_token_uses_check");
        assertThatThrownBy(() -> jdbc.update("update enrollment_token set max_uses = 0 where id = ?::uuid", id))
                .isInstanceOf(DataIntegrityViolationException.class);
    }

    @Test
    void nodeGenerationSequenceIsStrictlyIncreasing() {
        List<Long> values = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            values.add(jdbc.queryForObject("select nextval('node_generation_seq')", Long.class));
        }

        assertThat(values).isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
        assertThat(values.get(0)).isPositive();
    }
}
