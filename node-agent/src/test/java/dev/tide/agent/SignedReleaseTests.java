package dev.tide.agent;

import static dev.tide.agent.support.TestApps.get;
import static dev.tide.agent.support.TestApps.hello;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.tide.agent.apply.ReleaseTrust;
import dev.tide.agent.support.AgentHarness;
import dev.tide.agent.support.FakeControlPlane;
import dev.tide.agent.support.KillStartedProcesses;
import dev.tide.agent.support.TestApps;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.ReleaseKeySet;
import dev.tide.proto.agent.v1.ReleaseSignature;
import dev.tide.proto.agent.v1.TrustedReleaseKey;
import dev.tide.security.release.ReleaseKeys;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A real agent in an environment that requires signed releases: what it runs, and what it refuses. */
@ExtendWith(KillStartedProcesses.class)
class SignedReleaseTests {
    private static final Duration START = Duration.ofSeconds(30);
    private final KeyPair alice = ReleaseKeys.generate();
    private final KeyPair mallory = ReleaseKeys.generate();
    private final Instant t0 = Instant.parse("2026-12-01T00:00:00Z");

    @TempDir
    Path dir;

    private AgentHarness harness;
    private FakeControlPlane cp;
    private Agent agent;
    private byte[] artifact;
    private String sha;

    @BeforeEach
    void setUp() throws Exception {
        harness = new AgentHarness(dir);
        cp = harness.controlPlane;
        artifact = TestApps.helloTarGz();
        sha = cp.addArtifact(artifact);
        cp.setReleaseKeys(keySet(1, true, alice, alice)); // pinned at enrollment
        agent = harness.start();
        cp.publish(signed(release("1.0.0"), alice, t0));
        await().atMost(START).until(() -> "Hi from node-1 (version 1.0.0)\n".equals(get(harness.appPort, "/")));
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void anUnsignedReleaseIsRefusedAndTheRunningOneKeepsAnswering() {
        long gen = cp.publish(release("2.0.0"));

        awaitRefused(gen, "is not signed, and environment 'staging' requires signed releases");
        assertThat(get(harness.appPort, "/")).isEqualTo("Hi from node-1 (version 1.0.0)\n");
    }

    @Test
    void aReleaseChangedAfterSigningIsRefused() {
        AppRelease signed = signed(release("2.0.0"), alice, t0.plusSeconds(60));
        AppRelease tampered = signed.toBuilder()
                .clearStart()
                .addStart("/bin/sh")
                .addStart("-c")
                .addStart("id")
                .build();

        long gen = cp.publish(tampered);

        awaitRefused(gen, "does not match the release as delivered");
        assertThat(get(harness.appPort, "/")).isEqualTo("Hi from node-1 (version 1.0.0)\n");
    }

    @Test
    void aReleaseSignedByAnUntrustedKeyIsRefused() {
        long gen = cp.publish(signed(release("2.0.0"), mallory, t0.plusSeconds(60)));

        awaitRefused(gen, "does not trust");
    }

    @Test
    void aSignedUpgradeRunsAndAnOlderReleaseIsAReplayUnlessItIsTheRollbackTarget() {
        AppRelease v2 = signed(release("2.0.0"), alice, t0.plusSeconds(60));
        AppRelease v3 = signed(release("3.0.0"), alice, t0.plusSeconds(120));
        cp.publish(v2);
        await().atMost(START).until(() -> "Hi from node-1 (version 2.0.0)\n".equals(get(harness.appPort, "/")));
        cp.publish(v3);
        await().atMost(START).until(() -> "Hi from node-1 (version 3.0.0)\n".equals(get(harness.appPort, "/")));

        long replay = cp.publish(signed(release("1.0.0"), alice, t0)); // validly signed, but old
        awaitRefused(replay, "refused as a replay");
        assertThat(get(harness.appPort, "/")).isEqualTo("Hi from node-1 (version 3.0.0)\n");

        cp.publish(v2); // the release it ran just before: rollback is allowed
        await().atMost(START).until(() -> "Hi from node-1 (version 2.0.0)\n".equals(get(harness.appPort, "/")));
    }

    @Test
    void aKeySetIsReplacedOnlyWhenAPinnedKeySignedIt() {
        KeyPair bob = ReleaseKeys.generate();
        cp.setReleaseKeys(keySet(2, false, mallory, mallory)); // signatures off, by a key nobody trusts
        long gen = cp.publish(release("2.0.0"));
        awaitRefused(gen, "is not signed");

        cp.setReleaseKeys(keySet(3, true, alice, alice, bob)); // a rotation alice signed
        cp.publish(signed(release("3.0.0"), bob, t0.plusSeconds(60)));
        await().atMost(START).until(() -> "Hi from node-1 (version 3.0.0)\n".equals(get(harness.appPort, "/")));
    }

    private void awaitRefused(long gen, String reason) {
        await().atMost(START)
                .until(() -> cp.status("hello")
                                .map(s -> s.getState() == AppState.FAILED
                                        && s.getMessage().contains(reason))
                                .orElse(false)
                        && cp.latestReport()
                                .map(r -> r.getAppliedGeneration() >= gen)
                                .orElse(false));
    }

    private AppRelease release(String version) {
        return hello(version, sha, artifact.length, "/health", 30).toBuilder()
                .setReleaseId("release-" + version)
                .build();
    }

    private static AppRelease signed(AppRelease release, KeyPair by, Instant issuedAt) {
        AppRelease withMetadata = release.toBuilder()
                .setSignature(ReleaseSignature.newBuilder()
                        .setKeyId(ReleaseKeys.id(by.getPublic()))
                        .setIssuedAt(Timestamp.newBuilder().setSeconds(issuedAt.getEpochSecond()))
                        .addAllDependsOn(release.getDependsOnList()))
                .build();
        byte[] value = ReleaseKeys.sign(
                by.getPrivate(), ReleaseTrust.manifest(withMetadata).canonical());
        return withMetadata.toBuilder()
                .setSignature(withMetadata.getSignature().toBuilder().setValue(ByteString.copyFrom(value)))
                .build();
    }

    /** A key set of version {@code version} trusting {@code keys}, signed by {@code signer}. */
    private ReleaseKeySet keySet(long version, boolean require, KeyPair signer, KeyPair... keys) {
        List<dev.tide.security.release.ReleaseKeySet.TrustedKey> trusted = Arrays.stream(keys)
                .map(k -> dev.tide.security.release.ReleaseKeySet.TrustedKey.of(
                        k.getPublic().getEncoded(), "k"))
                .toList();
        dev.tide.security.release.ReleaseKeySet set = new dev.tide.security.release.ReleaseKeySet(
                FakeControlPlane.ENVIRONMENT, version, require, trusted, t0);
        ReleaseKeySet.Builder proto = ReleaseKeySet.newBuilder()
                .setEnvironment(set.environment())
                .setVersion(version)
                .setRequireSignatures(require)
                .setIssuedAt(Timestamp.newBuilder().setSeconds(t0.getEpochSecond()))
                .setSignedBy(ReleaseKeys.id(signer.getPublic()))
                .setSignature(ByteString.copyFrom(ReleaseKeys.sign(signer.getPrivate(), set.canonical())));
        trusted.forEach(k -> proto.addKeys(TrustedReleaseKey.newBuilder()
                .setId(k.id())
                .setPublicKey(ByteString.copyFrom(k.publicKey()))
                .setName(k.name())));
        return proto.build();
    }
}
