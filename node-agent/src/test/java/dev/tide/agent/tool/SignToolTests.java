package dev.tide.agent.tool;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.tide.security.Pem;
import dev.tide.security.release.ReleaseKeySet;
import dev.tide.security.release.ReleaseKeys;
import dev.tide.security.release.ReleaseManifest;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SignToolTests {
    private static final Instant NOW = Instant.parse("2026-12-01T06:00:00Z");

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void signsAReleaseBodySoThatItsManifestVerifies() throws Exception {
        assertThat(run("keygen", dir.resolve("alice").toString())).isZero();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("alice.key"))))
                .isEqualTo("rw-------");
        Path body = dir.resolve("release.json");
        Files.writeString(body, """
                {"version": "1.2.0", "artifactSha256": "%s", "start": ["java", "-jar", "app.jar"],
                 "env": {"PORT": "${node.label.port}"}, "secretEnv": {"DB_PASSWORD": "s3cret"},
                 "healthCheck": {"http": {"port": "${node.label.port}", "path": "/health"}}}
                """.formatted("b".repeat(64)));
        out.reset();

        int code = run(
                "release",
                "--key",
                dir.resolve("alice.key").toString(),
                "--application",
                "web",
                "--depends-on",
                "db",
                body.toString());

        assertThat(code).isZero();
        JsonObject signed =
                JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        JsonObject signature = signed.getAsJsonObject("signature");
        PublicKey alice = Pem.parsePublicKey(Files.readString(dir.resolve("alice.pub")));
        assertThat(signature.get("keyId").getAsString()).isEqualTo(ReleaseKeys.id(alice));
        assertThat(signature.get("issuedAt").getAsString()).isEqualTo(NOW.toString());
        ReleaseManifest manifest = new ReleaseManifest(
                "web",
                "1.2.0",
                "b".repeat(64),
                List.of("java", "-jar", "app.jar"),
                Map.of("PORT", "${node.label.port}"),
                List.of("DB_PASSWORD"),
                Map.of(),
                ReleaseManifest.httpCheck("${node.label.port}", "/health", 30),
                null,
                List.of("db"),
                NOW);
        assertThat(ReleaseKeys.verify(
                        alice,
                        manifest.canonical(),
                        Base64.getDecoder().decode(signature.get("value").getAsString())))
                .isTrue();
        assertThat(signed.get("secretEnv").getAsJsonObject().get("DB_PASSWORD").getAsString())
                .isEqualTo("s3cret");
    }

    @Test
    void signsAKeySetTheControlPlaneAndAgentsCanCheck() throws Exception {
        run("keygen", dir.resolve("alice").toString());
        run("keygen", dir.resolve("bob").toString());
        out.reset();

        int code = run(
                "keys",
                "--key",
                dir.resolve("alice.key").toString(),
                "--environment",
                "prod",
                "--version",
                "1",
                "--require",
                dir.resolve("alice.pub").toString(),
                dir.resolve("bob.pub").toString());

        assertThat(code).isZero();
        JsonObject body =
                JsonParser.parseString(out.toString(StandardCharsets.UTF_8)).getAsJsonObject();
        List<ReleaseKeySet.TrustedKey> keys = body.getAsJsonArray("keys").asList().stream()
                .map(k -> ReleaseKeySet.TrustedKey.of(
                        Base64.getDecoder()
                                .decode(k.getAsJsonObject().get("publicKey").getAsString()),
                        k.getAsJsonObject().get("name").getAsString()))
                .toList();
        ReleaseKeySet set = new ReleaseKeySet("prod", 1, true, keys, NOW);
        ReleaseKeySet.checkSuccessor(
                null,
                new ReleaseKeySet.Signed(
                        set,
                        body.get("signedBy").getAsString(),
                        Base64.getDecoder().decode(body.get("signature").getAsString())));
        assertThat(keys).extracting(ReleaseKeySet.TrustedKey::name).containsExactlyInAnyOrder("alice", "bob");
    }

    @Test
    void badInputNamesTheProblemAndExitsTwo() throws Exception {
        assertThat(run("release", "--application", "web", "x.json")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("tide sign: --key: required");
        err.reset();
        run("keygen", dir.resolve("k").toString());
        Files.writeString(dir.resolve("bad.json"), "{\"version\": 1");
        assertThat(run(
                        "release",
                        "--key",
                        dir.resolve("k.key").toString(),
                        "--application",
                        "web",
                        dir.resolve("bad.json").toString()))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("bad.json: not valid JSON");
        assertThat(run("keygen", dir.resolve("k").toString())).isEqualTo(2); // never overwrites a key
    }

    private int run(String... args) {
        return SignTool.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Clock.fixed(NOW, ZoneOffset.UTC));
    }
}
