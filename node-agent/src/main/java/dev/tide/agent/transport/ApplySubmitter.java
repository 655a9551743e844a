package dev.tide.agent.transport;

import dev.tide.agent.apply.ArtifactSource;
import dev.tide.proto.agent.v1.DesiredState;

/** Queues a desired state received on a push session for the converger. */
@FunctionalInterface
public interface ApplySubmitter {
    void submit(DesiredState desired, ArtifactSource artifacts);
}
