package dev.tide.controlplane.deployment;

import java.util.UUID;

/** Published after a deployment was committed, for the rollout to start. */
public record DeploymentCreated(UUID deploymentId, String environment) {}
