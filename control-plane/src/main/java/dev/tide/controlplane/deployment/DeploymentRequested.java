package dev.tide.controlplane.deployment;

import java.util.UUID;

/**
 * Published when a deployment was created or an operator acted on it (pause, resume, cancel,
 * rollback); after commit the orchestrator takes its next step at once instead of on its tick.
 */
public record DeploymentRequested(UUID deploymentId) {}
