package dev.tide.agent.apply;

import dev.tide.proto.agent.v1.AppRelease;
import java.nio.file.Path;

/** Where a release's artifact comes from: the control plane (pull) or the push stream. */
public interface ArtifactSource {
    /** The verified artifact file in the local cache, fetching it first if needed. */
    Path fetch(AppRelease release) throws ApplyException, InterruptedException;
}
