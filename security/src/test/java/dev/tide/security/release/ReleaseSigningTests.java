package dev.tide.security.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.security.release.ReleaseKeySet.TrustException;
import dev.tide.security.release.ReleaseKeySet.TrustedKey;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReleaseSigningTests {
    private final KeyPair alice = ReleaseKeys.generate();
    private final KeyPair mallory = ReleaseKeys.generate();
    private final Instant now = Instant.parse("2026-12-01T06:00:00Z");

    @Test
    void theCanonicalFormIsSortedCompactAndIndependentOfInputOrder() {
        ReleaseManifest a = manifest("1.0.0", now, Map.of("B", "2", "A", "1"), List.of("db", "cache"));
        ReleaseManifest b = manifest(
                "1.0.0", now, new java.util.LinkedHashMap<>(Map.of("A", "1", "B", "2")), List.of("cache", "db"));

        String text = new String(a.canonical(), StandardCharsets.UTF_8);
        assertThat(a.canonical()).isEqualTo(b.canonical());
        assertThat(text)
                .isEqualTo("{\"application\":\"web\",\"artifactSha256\":\"" + "a".repeat(64) + "\","
                        + "\"configFiles\":{\"conf/app.yml\":\"port: ${node.label.port}\\n\"},"
                        + "\"dependsOn\":[\"cache\",\"db\"],\"env\":{\"A\":\"1\",\"B\":\"2\"},"
                        + "\"format\":\"tide.release/v1\","
                        + "\"healthCheck\":{\"http\":{\"path\":\"/health\",\"port\":\"${node.label.port}\"},"
                        + "\"timeoutSeconds\":30},\"issuedAt\":\"2026-12-01T06:00:00Z\","
                        + "\"secretEnv\":[\"DB_PASSWORD\"],\"start\":[\"java\",\"-jar\",\"app.jar\"],"
                        + "\"version\":\"1.0.0\"}");
        assertThat(CanonicalJson.bytes(Map.of("s", "a\"b\\c\n\u0001é")))
                .isEqualTo("{\"s\":\"a\\\"b\\\\c\\n\\u0001é\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aReleaseSignedByATrustedKeyPassesAndAChangedOneDoesNot() throws Exception {
        ReleaseKeySet trust = keySet(1, true, alice);
        ReleaseManifest manifest = manifest("1.0.0", now, Map.of("A", "1"), List.of());
        byte[] signature = ReleaseKeys.sign(alice.getPrivate(), manifest.canonical());
        String keyId = ReleaseKeys.id(alice.getPublic());

        assertThatNoException().isThrownBy(() -> ReleaseVerifier.check(trust, manifest, keyId, signature, null, false));
        ReleaseManifest changed = manifest("1.0.0", now, Map.of("A", "2"), List.of());
        assertThatThrownBy(() -> ReleaseVerifier.check(trust, changed, keyId, signature, null, false))
                .isInstanceOf(TrustException.class)
                .hasMessageContaining("does not match the release as delivered");
        assertThatThrownBy(() -> ReleaseVerifier.check(trust, manifest, null, null, null, false))
                .hasMessageContaining("is not signed, and environment 'prod' requires signed releases");
        byte[] foreign = ReleaseKeys.sign(mallory.getPrivate(), manifest.canonical());
        assertThatThrownBy(() -> ReleaseVerifier.check(
                        trust, manifest, ReleaseKeys.id(mallory.getPublic()), foreign, null, false))
                .hasMessageContaining("does not trust");
    }

    @Test
    void anOlderSignedReleaseIsAReplayUnlessItIsTheRollbackTarget() throws Exception {
        ReleaseKeySet trust = keySet(1, true, alice);
        ReleaseManifest old = manifest("0.9.0", now.minusSeconds(3600), Map.of(), List.of());
        byte[] signature = ReleaseKeys.sign(alice.getPrivate(), old.canonical());
        String keyId = ReleaseKeys.id(alice.getPublic());

        assertThatThrownBy(() -> ReleaseVerifier.check(trust, old, keyId, signature, now, false))
                .hasMessageContaining("refused as a replay");
        assertThatNoException().isThrownBy(() -> ReleaseVerifier.check(trust, old, keyId, signature, now, true));
    }

    @Test
    void aKeySetIsReplacedOnlyByOneItsPredecessorSigned() throws Exception {
        ReleaseKeySet v1 = keySet(1, true, alice);
        ReleaseKeySet v2 = keySet(2, true, alice, mallory);

        assertThatNoException().isThrownBy(() -> ReleaseKeySet.checkSuccessor(null, signed(v1, alice)));
        assertThatNoException().isThrownBy(() -> ReleaseKeySet.checkSuccessor(v1, signed(v2, alice)));
        assertThatThrownBy(() -> ReleaseKeySet.checkSuccessor(v1, signed(v2, mallory)))
                .hasMessageContaining("not trusted");
        assertThatThrownBy(() -> ReleaseKeySet.checkSuccessor(v1, signed(keySet(1, true, alice), alice)))
                .hasMessageContaining("not newer");
        ReleaseKeySet off = keySet(2, false, alice);
        ReleaseKeySet.Signed forged = new ReleaseKeySet.Signed(off, ReleaseKeys.id(alice.getPublic()), new byte[64]);
        assertThatThrownBy(() -> ReleaseKeySet.checkSuccessor(v1, forged)).hasMessageContaining("does not verify");
        assertThatThrownBy(() -> ReleaseKeySet.checkSuccessor(null, signed(v1, mallory)))
                .hasMessageContaining("not trusted by the set itself");
    }

    private ReleaseManifest manifest(
            String version, Instant issuedAt, Map<String, String> env, List<String> dependsOn) {
        return new ReleaseManifest(
                "web",
                version,
                "a".repeat(64),
                List.of("java", "-jar", "app.jar"),
                env,
                List.of("DB_PASSWORD"),
                Map.of("conf/app.yml", "port: ${node.label.port}\n"),
                ReleaseManifest.httpCheck("${node.label.port}", "/health", 30),
                null,
                dependsOn,
                issuedAt);
    }

    private ReleaseKeySet keySet(long version, boolean require, KeyPair... keys) {
        return new ReleaseKeySet(
                "prod",
                version,
                require,
                java.util.Arrays.stream(keys)
                        .map(k -> TrustedKey.of(k.getPublic().getEncoded(), "k"))
                        .toList(),
                now);
    }

    private static ReleaseKeySet.Signed signed(ReleaseKeySet set, KeyPair by) {
        return new ReleaseKeySet.Signed(
                set, ReleaseKeys.id(by.getPublic()), ReleaseKeys.sign(by.getPrivate(), set.canonical()));
    }
}
