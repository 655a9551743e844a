package dev.tide.controlplane.releasekey;

import static dev.tide.controlplane.ReleaseSigning.keyId;
import static dev.tide.controlplane.ReleaseSigning.keySet;
import static dev.tide.controlplane.ReleaseSigning.newKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.ReleaseSigning;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code /api/v1/environments/{name}/release-keys}: the first set is signed by one of its own
 * keys, each later one by a key of the set before it, and versions only go up.
 */
class ReleaseKeyApiTests extends IntegrationTest {
    private static final String PATH = "/api/v1/environments/{env}/release-keys";

    private String env;
    private KeyPair a;
    private KeyPair b;
    private KeyPair c;

    @BeforeEach
    void environmentAndKeys() {
        env = createEnvironment("PULL");
        a = newKey();
        b = newKey();
        c = newKey();
    }

    private ApiResponse put(Map<String, Object> body) {
        return as(admin()).put(PATH, body, env);
    }

    @Test
    void theFirstSetIsSignedByOneOfItsOwnKeys() {
        as(viewer()).get(PATH, env).expectProblem(404);
        ApiResponse outsider = put(keySet(env, 1, true, List.of(a), b)).expectProblem(409);
        assertThat(outsider.text("/detail"))
                .contains("signed by key " + keyId(b))
                .contains("not trusted");

        JsonNode stored =
                put(keySet(env, 1, true, List.of(a, b), a)).expect(200).json();

        JsonNode current = as(viewer()).get(PATH, env).expect(200).json();
        assertThat(current.path("signature").asString())
                .isEqualTo(stored.path("signature").asString());
        assertThat(current.path("environment").asString()).isEqualTo(env);
        assertThat(current.path("version").asLong()).isEqualTo(1);
        assertThat(current.path("requireSignatures").asBoolean()).isTrue();
        assertThat(current.path("signedBy").asString()).isEqualTo(keyId(a));
        assertThat(current.path("keys").valueStream().map(k -> k.path("id").asString()))
                .containsExactlyInAnyOrder(keyId(a), keyId(b));
        assertThat(current.path("keys").path(0).path("publicKey").asString()).isNotBlank();
        assertThat(current.path("createdBy").asString()).isEqualTo(admin().name());
        JsonNode event = assertLatestAudit("environment/" + env, "environment.release-keys", admin().name());
        assertThat(event.path("details").path("version").asLong()).isEqualTo(1);
        assertThat(event.path("details").path("keys").valueStream().map(JsonNode::asString))
                .containsExactlyInAnyOrder(keyId(a), keyId(b));
    }

    @Test
    void aRotationSignedByAKeyOfTheCurrentSetIsAccepted() {
        put(keySet(env, 1, true, List.of(a), a)).expect(200);

        put(keySet(env, 2, true, List.of(b), a)).expect(200);
        // a is no longer trusted: it cannot sign version 3, and neither can a key vouching for itself.
        ApiResponse byOldKey = put(keySet(env, 3, true, List.of(c), a)).expectProblem(409);
        ApiResponse selfSigned = put(keySet(env, 3, true, List.of(c), c)).expectProblem(409);
        put(keySet(env, 3, false, List.of(b, c), b)).expect(200);

        assertThat(byOldKey.text("/detail")).contains(keyId(a)).contains("not trusted");
        assertThat(selfSigned.text("/detail")).contains(keyId(c)).contains("not trusted");
        JsonNode current = as(viewer()).get(PATH, env).expect(200).json();
        assertThat(current.path("version").asLong()).isEqualTo(3);
        assertThat(current.path("requireSignatures").asBoolean()).isFalse();
        assertThat(count("select count(*) from release_key_set where environment = ?", env))
                .as("every version is kept")
                .isEqualTo(3);
    }

    @Test
    void aVersionThatIsNotNewerIsRefusedAndTheSameSetAgainChangesNothing() {
        Map<String, Object> v1 = keySet(env, 1, false, List.of(a), a);
        put(v1).expect(200);
        Map<String, Object> v2 = keySet(env, 2, false, List.of(a, b), a);
        put(v2).expect(200);
        long events = auditEvents("environment/" + env).size();

        ApiResponse equal = put(keySet(env, 2, true, List.of(a), a)).expectProblem(409);
        ApiResponse lower = put(v1).expectProblem(409);
        put(v2).expect(200); // a retried request

        assertThat(equal.text("/detail")).contains("version 2 is not newer than the pinned 2");
        assertThat(lower.text("/detail")).contains("version 1 is not newer than the pinned 2");
        assertThat(auditEvents("environment/" + env)).hasSize((int) events);
        assertThat(as(viewer())
                        .get(PATH, env)
                        .expect(200)
                        .json()
                        .path("requireSignatures")
                        .asBoolean())
                .isFalse();
    }

    @Test
    void aSetSignedForAnotherEnvironmentDoesNotVerify() {
        String other = createEnvironment("PULL");

        ApiResponse refused = put(keySet(other, 1, true, List.of(a), a)).expectProblem(409);

        assertThat(refused.text("/detail")).contains("does not verify with key " + keyId(a));
    }

    @Test
    void aTamperedSetDoesNotVerify() {
        put(keySet(env, 1, true, List.of(a), a)).expect(200);
        Map<String, Object> v2 = new LinkedHashMap<>(keySet(env, 2, true, List.of(a), a));
        v2.put("requireSignatures", false); // switching signatures off needs a trusted key's signature

        put(v2).expectProblem(409);

        assertThat(as(viewer())
                        .get(PATH, env)
                        .expect(200)
                        .json()
                        .path("version")
                        .asLong())
                .isEqualTo(1);
    }

    @Test
    void onlyAnAdminReplacesASet() {
        Map<String, Object> body = keySet(env, 1, true, List.of(a), a);

        as(deployer()).put(PATH, body, env).expectProblem(403);
        as(viewer()).put(PATH, body, env).expectProblem(403);
        as(admin()).put(PATH, body, unique("missing")).expectProblem(404);
        as(viewer()).get(PATH, unique("missing")).expectProblem(404);
        assertThat(count("select count(*) from release_key_set where environment = ?", env))
                .isZero();
    }

    @Test
    void invalidFieldsAreNamed() {
        Map<String, Object> body = new LinkedHashMap<>(keySet(env, 1, true, List.of(a), a));
        body.put("version", 0);
        body.put("keys", List.of(Map.of("name", "rsa", "publicKey", "bm90IGEga2V5")));
        body.put("signature", ReleaseSigning.base64(new byte[12]));
        body.remove("issuedAt");

        put(body).expectProblem(400, "version", "keys[0].publicKey", "signature", "issuedAt");

        Map<String, Object> twice = new LinkedHashMap<>(keySet(env, 1, true, List.of(a), a));
        String publicKey = ReleaseSigning.base64(a.getPublic().getEncoded());
        twice.put("keys", List.of(Map.of("publicKey", publicKey), Map.of("publicKey", publicKey)));
        put(twice).expectProblem(400, "keys[1].publicKey");

        Map<String, Object> requiresNothing = new LinkedHashMap<>(keySet(env, 1, true, List.of(a), a));
        requiresNothing.put("keys", List.of());
        put(requiresNothing).expectProblem(400, "keys");
    }
}
