package dev.tide.controlplane.delivery;

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
import dev.tide.proto.agent.v1.Schedule;
import dev.tide.proto.agent.v1.TcpCheck;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/** Domain objects to the wire messages of the agent protocol; nothing else converts them. */
final class DesiredStateMapper {
    private DesiredStateMapper() {}

    static DesiredState desiredState(Node node, List<AppRelease> applications) {
        return DesiredState.newBuilder()
                .setNodeId(node.getId().toString())
                .setNodeName(node.getName())
                .setEnvironment(node.getEnvironment())
                .setGeneration(node.getGeneration())
                .putAllLabels(node.getLabels())
                .addAllApplications(applications)
                .build();
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
        return b.build();
    }

    static HealthCheck healthCheck(HealthCheckSpec spec) {
        HealthCheck.Builder b = HealthCheck.newBuilder().setTimeoutSeconds(spec.effectiveTimeoutSeconds());
        if (spec.http() != null) {
            b.setHttp(HttpCheck.newBuilder()
                    .setPort(spec.http().port())
                    .setPath(spec.http().path() == null ? "/" : spec.http().path()));
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
