package dev.tide.controlplane.node;

import java.util.UUID;

/** Published (and delivered after commit) when a node's desired state moved to a new generation. */
public record NodeDesiredChanged(UUID nodeId, String environment, long generation) {}
