package dev.tide.controlplane.application;

import static dev.tide.controlplane.ReleaseSigning.keySet;
import static dev.tide.controlplane.ReleaseSigning.newKey;
import static dev.tide.controlplane.ReleaseSigning.sign;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.ReleaseSigning;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Signed releases: a signature is stored, and shown as {@code signed}, only when it verifies over
 * the release as submitted with a key that some environment trusts.
 */
class ReleaseSignatureApiTests extends IntegrationTest {
    private KeyPair key;
    private String dependency;
    private String app;
    private String sha;

    /** An environment trusting {@code key}; {@code app} depends on {@code dependency}. */
    @BeforeEach
    void trustedKeyAndApplication() {
        key = newKey();
        String env = createEnvironment("PULL");
        as(admin())
                .put("/api/v1/environments/{env}/release-keys", keySet(env, 1, false, List.of(key), key), env)
                .expect(200);
        dependency = createApplication();
        app = createApplication(dependency);
        sha = uploadArtifact(randomBytes(128));
    }

    /** Every part of a release the manifest covers, with the defaults a signer must fill in. */
    private Map<String, Object> fullBody(String version) {
        Map<String, Object> body = releaseBody(version, sha);
        body.put("env", Map.of("PORT", "${node.label.port}", "MODE", "blue"));
        body.put("secretEnv", Map.of("DB_PASSWORD", "hunter2"));
        body.put("configFiles", Map.of("conf/app.yml", "name: ${node.name}\n"));
        body.put("healthCheck", Map.of("http", Map.of("port", "${node.label.port}"))); // path and timeout defaulted
        body.put("runAs", "web");
        return body;
    }

    private ApiResponse create(Map<String, Object> body) {
        return as(deployer()).post("/api/v1/applications/{app}/releases", body, app);
    }

    @Test
    void aVerifiedSignatureShowsAsSignedWithItsKeyAndTime() {
        Instant issuedAt = ReleaseSigning.now();
        Map<String, Object> body = sign(fullBody("2.0.0"), app, List.of(dependency), key, issuedAt);

        JsonNode created = create(body).expect(201).json();

        assertThat(created.path("signed").asBoolean()).isTrue();
        assertThat(created.path("signature").path("keyId").asString()).isEqualTo(ReleaseSigning.keyId(key));
        assertThat(Instant.parse(created.path("signature").path("issuedAt").asString()))
                .isEqualTo(issuedAt);
        assertThat(created.path("signature").has("value")).isFalse();
        JsonNode listed = as(viewer())
                .get("/api/v1/applications/{app}/releases", app)
                .expect(200)
                .json()
                .path(0);
        assertThat(listed.path("signed").asBoolean()).isTrue();
        assertThat(listed.path("signature").path("keyId").asString()).isEqualTo(ReleaseSigning.keyId(key));
        Map<String, Object> stored = jdbc.queryForMap(
                "select signature_key_id, length(signature_value) as length, signed_depends_on::text as deps"
                        + " from release where application = ? and version = '2.0.0'",
                app);
        assertThat(stored)
                .containsEntry("signature_key_id", ReleaseSigning.keyId(key))
                .containsEntry("length", 64)
                .containsEntry("deps", "[\"" + dependency + "\"]");
        JsonNode event = assertLatestAudit(
                "application/" + app, "release.create", deployer().name());
        assertThat(event.path("details").path("signatureKeyId").asString()).isEqualTo(ReleaseSigning.keyId(key));
    }

    @Test
    void anUnsignedReleaseIsNotSigned() {
        JsonNode created = create(releaseBody("1.0.0", sha)).expect(201).json();

        assertThat(created.path("signed").asBoolean()).isFalse();
        assertThat(created.path("signature").isNull()).isTrue();
    }

    @Test
    void aFieldChangedAfterSigningDoesNotVerify() {
        Map<String, Object> body = sign(fullBody("2.0.0"), app, List.of(dependency), key, ReleaseSigning.now());
        body.put("start", List.of("bin/run", "--port", "${node.label.port}", "--debug"));

        ApiResponse refused = create(body).expectProblem(400, "signature");

        assertThat(refused.json().path("errors").path(0).path("message").asString())
                .contains("does not verify with key " + ReleaseSigning.keyId(key));
        as(viewer())
                .get("/api/v1/applications/{app}/releases/{version}", app, "2.0.0")
                .expectProblem(404);
    }

    @Test
    void everyCoveredFieldIsChecked() {
        Map<String, Map.Entry<String, Object>> changes = new LinkedHashMap<>();
        changes.put("env", Map.entry("env", Map.of("PORT", "${node.label.port}", "MODE", "green")));
        changes.put("secret name", Map.entry("secretEnv", Map.of("DB_PASS", "hunter2")));
        changes.put("configFiles", Map.entry("configFiles", Map.of("conf/app.yml", "name: other\n")));
        changes.put(
                "healthCheck timeout",
                Map.entry("healthCheck", Map.of("http", Map.of("port", "${node.label.port}"), "timeoutSeconds", 31)));
        changes.put("runAs", Map.entry("runAs", "root"));
        changes.put("artifact", Map.entry("artifactSha256", uploadArtifact(randomBytes(99))));
        int i = 0;
        for (Map.Entry<String, Map.Entry<String, Object>> change : changes.entrySet()) {
            Map<String, Object> body =
                    sign(fullBody("3.0." + i++), app, List.of(dependency), key, ReleaseSigning.now());
            body.put(change.getValue().getKey(), change.getValue().getValue());

            ApiResponse response = create(body);

            assertThat(response.status())
                    .as("status after changing %s", change.getKey())
                    .isEqualTo(400);
            assertThat(response.errorFields())
                    .as("errors after changing %s", change.getKey())
                    .containsExactly("signature");
        }
    }

    @Test
    void secretValuesAreCoveredByNameOnly() {
        Map<String, Object> body = sign(fullBody("2.0.0"), app, List.of(dependency), key, ReleaseSigning.now());
        body.put("secretEnv", Map.of("DB_PASSWORD", "set-by-the-deployer"));

        assertThat(create(body).expect(201).json().path("signed").asBoolean()).isTrue();
    }

    @Test
    void aSignatureOverOtherDependenciesDoesNotVerify() {
        // Signed as if the application had no dependencies: it has one now.
        Map<String, Object> body = sign(fullBody("2.0.0"), app, List.of(), key, ReleaseSigning.now());

        ApiResponse refused = create(body).expectProblem(400, "signature");

        assertThat(refused.text("/errors/0/message")).contains("dependsOn [" + dependency + "]");
    }

    @Test
    void aKeyNoEnvironmentTrustsIsRefused() {
        KeyPair foreign = newKey();
        Map<String, Object> body = sign(fullBody("2.0.0"), app, List.of(dependency), foreign, ReleaseSigning.now());

        ApiResponse refused = create(body).expectProblem(400, "signature.keyId");

        assertThat(refused.text("/errors/0/message"))
                .contains(ReleaseSigning.keyId(foreign))
                .contains("not trusted by any environment; add it to an environment's release keys first");
    }

    @Test
    void aSignatureDatedInTheFutureIsRefused() {
        Instant later = ReleaseSigning.now().plus(Duration.ofHours(1));
        Map<String, Object> body = sign(fullBody("2.0.0"), app, List.of(dependency), key, later);

        create(body).expectProblem(400, "signature.issuedAt");
    }

    @Test
    void aMalformedSignatureNamesEachField() {
        Map<String, Object> body = releaseBody("2.0.0", sha);
        body.put("signature", Map.of("keyId", "not-a-key", "value", "!!"));

        create(body).expectProblem(400, "signature.keyId", "signature.issuedAt", "signature.value");

        // The free-text signature of earlier versions is no longer accepted.
        body.put("signature", "signed by me, honest");
        create(body).expectProblem(400, "signature");
    }
}
