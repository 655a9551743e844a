package dev.tide.controlplane.deployment;

import static dev.tide.controlplane.ReleaseSigning.keyId;
import static dev.tide.controlplane.ReleaseSigning.keySet;
import static dev.tide.controlplane.ReleaseSigning.newKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.ReleaseSigning;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * In an environment whose key set requires signatures, a deployment is refused up front when a
 * release is not signed by one of its keys: the agents would refuse it anyway.
 */
class SignedDeploymentTests extends IntegrationTest {
    private String env;
    private String app;
    private KeyPair trusted;
    private KeyPair otherEnvironmentsKey;

    @BeforeEach
    void requiringEnvironment() {
        trusted = newKey();
        env = createEnvironment("PULL");
        putKeys(env, keySet(env, 1, true, List.of(trusted), trusted));
        otherEnvironmentsKey = newKey();
        String other = createEnvironment("PULL");
        putKeys(other, keySet(other, 1, true, List.of(otherEnvironmentsKey), otherEnvironmentsKey));
        insertNode(env, "n1", Map.of("port", "8080"));
        app = createApplication();
    }

    @Test
    void anUnsignedReleaseIsRefusedNamingIt() {
        createRelease(app, "1.0.0");

        ApiResponse refused = deploy(app, "1.0.0").expectProblem(409);

        assertThat(refused.text("/detail"))
                .contains("environment '" + env + "' requires releases signed")
                .contains(app + "@1.0.0 is not signed");
        assertThat(count("select count(*) from deployment where environment = ?", env))
                .isZero();
    }

    @Test
    void aReleaseSignedByAKeyTheEnvironmentDoesNotTrustIsRefused() {
        createSigned("1.1.0", otherEnvironmentsKey);

        ApiResponse refused = deploy(app, "1.1.0").expectProblem(409);

        assertThat(refused.text("/detail"))
                .contains(app + "@1.1.0 is signed by key " + keyId(otherEnvironmentsKey) + ", which it does not trust");
    }

    @Test
    void aReleaseSignedByATrustedKeyIsDeployed() {
        createSigned("1.2.0", trusted);

        deploy(app, "1.2.0").expect(201);
    }

    @Test
    void withoutRequiredSignaturesUnsignedReleasesAreDeployed() {
        putKeys(env, keySet(env, 2, false, List.of(trusted), trusted));
        createRelease(app, "1.0.0");

        deploy(app, "1.0.0").expect(201);
    }

    private void putKeys(String environment, Map<String, Object> body) {
        as(admin())
                .put("/api/v1/environments/{env}/release-keys", body, environment)
                .expect(200);
    }

    private void createSigned(String version, KeyPair key) {
        Map<String, Object> body = releaseBody(version, uploadArtifact(randomBytes(64)));
        as(deployer())
                .post(
                        "/api/v1/applications/{app}/releases",
                        ReleaseSigning.sign(body, app, List.of(), key, ReleaseSigning.now()),
                        app)
                .expect(201);
    }

    private ApiResponse deploy(String application, String version) {
        return as(deployer()).post("/api/v1/deployments", deploymentBody(env, Map.of(application, version)));
    }
}
