package dev.tide.controlplane.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.controlplane.IntegrationTest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataIntegrityViolationException;

/** The release table on the real PostgreSQL: its JSON columns and its constraints. */
class ReleaseRepositoryTests extends IntegrationTest {
    @Autowired
    ReleaseRepository releases;

    @Test
    void jsonColumnsRoundTrip() {
        String app = createApplication();
        String sha = uploadArtifact(randomBytes(128));
        ReleaseSpec spec = new ReleaseSpec(
                "3.1.4",
                sha,
                List.of("java", "-Dx=a b", "-jar", "app.jar"),
                Map.of("PORT", "${node.label.port}", "QUOTE", "say \"hi\"\n"),
                Map.of("DB_PASSWORD", "pw"),
                Map.of("conf/app.yml", "name: ${node.name}\nlist: [1, 2]\n"),
                new HealthCheckSpec(new HealthCheckSpec.Http("${node.label.port}", "/ready"), null, null, 15),
                null,
                "app-user");
        Release saved = releases.save(new Release(app, spec, "it", Instant.now()));

        Release loaded = releases.findById(saved.getId()).orElseThrow();

        assertThat(loaded.getStart()).containsExactly("java", "-Dx=a b", "-jar", "app.jar");
        assertThat(loaded.getEnv()).isEqualTo(spec.env());
        assertThat(loaded.getSecretEnv()).isEqualTo(spec.secretEnv());
        assertThat(loaded.getConfigFiles()).isEqualTo(spec.configFiles());
        assertThat(loaded.getHealthCheck()).isEqualTo(spec.healthCheck());
        assertThat(loaded.getRunAs()).isEqualTo("app-user");
        Map<String, Object> raw = jdbc.queryForMap("""
                select jsonb_typeof(start_argv) as start_type,
                       start_argv ->> 1 as second_arg,
                       env ->> 'QUOTE' as quote,
                       health_check -> 'http' ->> 'port' as port,
                       (health_check -> 'tcp') is not null as has_tcp
                from release where id = ?
                """, saved.getId());
        assertThat(raw)
                .containsEntry("start_type", "array")
                .containsEntry("second_arg", "-Dx=a b")
                .containsEntry("quote", "say \"hi\"\n")
                .containsEntry("port", "${node.label.port}")
                .containsEntry("has_tcp", false);
    }

    @Test
    void releaseWithoutHealthCheckStoresNull() {
        String app = createApplication();
        ReleaseSpec spec = new ReleaseSpec(
                "1.0.0", uploadArtifact(randomBytes(16)), List.of("run"), null, null, null, null, null, null);
        Release saved = releases.save(new Release(app, spec, "it", Instant.now()));

        Release loaded = releases.findById(saved.getId()).orElseThrow();

        assertThat(loaded.getHealthCheck()).isNull();
        assertThat(loaded.getEnv()).isEmpty();
        assertThat(loaded.getSecretEnv()).isEmpty();
        assertThat(count("select count(*) from release where id = ? and health_check is null", saved.getId()))
                .isEqualTo(1);
    }

    @Test
    void versionIsUniquePerApplication() {
        String app = createApplication();
        String sha = uploadArtifact(randomBytes(16));
        ReleaseSpec spec = new ReleaseSpec("1.0.0", sha, List.of("run"), null, null, null, null, null, null);
        releases.save(new Release(app, spec, "it", Instant.now()));

        assertThatThrownBy(() -> releases.saveAndFlush(new Release(app, spec, "it", Instant.now())))
                .isInstanceOf(DataIntegrityViolationException.class);
    }

    @Test
    void artifactMustExist() {
        String app = createApplication();
        ReleaseSpec spec =
                new ReleaseSpec("1.0.0", sha256(randomBytes(8)), List.of("run"), null, null, null, null, null, null);

        assertThatThrownBy(() -> releases.saveAndFlush(new Release(app, spec, "it", Instant.now())))
                .isInstanceOf(DataIntegrityViolationException.class);
    }
}
