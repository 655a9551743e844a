package dev.tide.controlplane.deployment;

import java.util.List;
import java.util.Map;

/** The body of {@code POST /api/v1/deployments}. */
public record DeploymentRequest(String environment, List<ReleaseRef> releases, Strategy strategy, Selector selector) {
    /** An application's release by version. */
    public record ReleaseRef(String application, String version) {}

    /** Which nodes of the environment: those carrying all these labels (all nodes when empty). */
    public record Selector(Map<String, String> labels) {}
}
