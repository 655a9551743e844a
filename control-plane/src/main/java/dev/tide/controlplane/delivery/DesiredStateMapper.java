package dev.tide.controlplane.delivery;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import dev.tide.controlplane.application.Artifact;
import dev.tide.controlplane.application.HealthCheckSpec;
import dev.tide.controlplane.application.Release;
import dev.tide.controlplane.environment.DeliveryMode;
import dev.tide.controlplane.environment.Environment;
import dev.tide.controlplane.node.Node;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.CommandCheck;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.HealthCheck;
import dev.tide.proto.agent.v1.HttpCheck;
import dev.tide.proto.agent.v1.ReleaseSignature;
import dev.tide.proto.agent.v1.Schedule;
import dev.tide.proto.agent.v1.TcpCheck;
import dev.tide.proto.agent.v1.TrustedReleaseKey;
import dev.tide.security.release.ReleaseKeySet;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Domain objects to the wire messages of the agent protocol; nothing else converts them. */
final class DesiredStateMapper {
    private DesiredStateMapper() {}

    static DesiredState desiredState(
            Node node, List<AppRelease> applications, Optional<ReleaseKeySet.Signed> releaseKeys) {
        DesiredState.Builder b = DesiredState.newBuilder()
                .setNodeId(node.getId().toString())
                .setNodeName(node.getName())
                .setEnvironment(node.getEnvironment())
                .setGeneration(node.getGeneration())
                .putAllLabels(node.getLabels())
                .addAllApplications(applications);
        releaseKeys.ifPresent(keys -> b.setReleaseKeys(releaseKeys(keys)));
        return b.build();
    }

    static dev.tide.proto.agent.v1.ReleaseKeySet releaseKeys(ReleaseKeySet.Signed signed) {
        ReleaseKeySet set = signed.keySet();
        dev.tide.proto.agent.v1.ReleaseKeySet.Builder b = dev.tide.proto.agent.v1.ReleaseKeySet.newBuilder()
                .setEnvironment(set.environment())
                .setVersion(set.version())
                .setRequireSignatures(set.requireSignatures())
                .setIssuedAt(timestamp(set.issuedAt()))
                .setSignedBy(signed.signedBy())
                .setSignature(ByteString.copyFrom(signed.signature()));
        set.keys()
                .forEach(k -> b.addKeys(TrustedReleaseKey.newBuilder()
                        .setId(k.id())
                        .setPublicKey(ByteString.copyFrom(k.publicKey()))
                        .setName(k.name())));
        return b.build();
    }

    static AppRelease appRelease(Release r, Artifact artifact, Collection<String> dependsOnHere) {
        AppRelease.Builder b = AppRelease.newBuilder()
                .setApplication(r.getApplication())
                .setVersion(r.getVersion())
                .setReleaseId(r.getId().toString())
                .setArtifactSha256(r.getArtifactSha256())
                .setArtifactSize(artifact.getSize())
                .setArtifactMediaType(artifact.getMediaType())
                .addAllStart(r.getStart())
                .putAllEnv(r.getEnv())
                .putAllEnv(r.getSecretEnv())
                .putAllConfigFiles(r.getConfigFiles())
                .setRunAs(r.getRunAs() == null ? "" : r.getRunAs())
                .addAllDependsOn(dependsOnHere);
        if (r.getHealthCheck() != null) {
            b.setHealthCheck(healthCheck(r.getHealthCheck()));
        }
        r.getSignature()
                .ifPresent(s -> b.setSignature(ReleaseSignature.newBuilder()
                        .setKeyId(s.keyId())
                        .setValue(ByteString.copyFrom(s.value()))
                        .setIssuedAt(timestamp(s.issuedAt()))
                        .addAllDependsOn(s.dependsOn())
                        .addAllSecretEnvNames(r.getSecretEnvNames())));
        return b.build();
    }

    private static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder()
                .setSeconds(at.getEpochSecond())
                .setNanos(at.getNano())
                .build();
    }

    static HealthCheck healthCheck(HealthCheckSpec spec) {
        HealthCheck.Builder b = HealthCheck.newBuilder().setTimeoutSeconds(spec.effectiveTimeoutSeconds());
        if (spec.http() != null) {
            b.setHttp(HttpCheck.newBuilder()
                    .setPort(spec.http().port())
                    .setPath(spec.http().effectivePath()));
        } else if (spec.tcp() != null) {
            b.setTcp(TcpCheck.newBuilder().setPort(spec.tcp().port()));
        } else if (spec.command() != null) {
            b.setCommand(CommandCheck.newBuilder().addAllArgv(spec.command()));
        }
        return b.build();
    }

    static Schedule schedule(Environment env, Duration maxWait) {
        return Schedule.newBuilder()
                .setMode(mode(env.getMode()))
                .setIntervalSeconds(env.getPullIntervalSeconds())
                .setJitterSeconds(env.getPullJitterSeconds())
                .setWatch(env.isWatchEnabled())
                .setMaxWaitSeconds((int) maxWait.toSeconds())
                .setVersion(env.getVersion() + 1) // the row version, from 0; 0 on the wire means unknown
                .build();
    }

    static dev.tide.proto.agent.v1.DeliveryMode mode(DeliveryMode mode) {
        return mode == DeliveryMode.PUSH
                ? dev.tide.proto.agent.v1.DeliveryMode.PUSH
                : dev.tide.proto.agent.v1.DeliveryMode.PULL;
    }

    static DeliveryMode mode(dev.tide.proto.agent.v1.DeliveryMode mode) {
        return switch (mode) {
            case PUSH -> DeliveryMode.PUSH;
            case PULL -> DeliveryMode.PULL;
            default -> null;
        };
    }
}
