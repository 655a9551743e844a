package dev.tide.agent.apply;

import dev.tide.agent.supervise.WorkloadSpec;
import dev.tide.proto.agent.v1.AppRelease;
import java.nio.file.Path;

/** A release ready to start on this node: its folder, process spec and health check, resolved. */
public record ResolvedRelease(AppRelease release, Path dir, WorkloadSpec spec, ResolvedHealthCheck health) {}
