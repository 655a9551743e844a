package dev.tide.agent.transport;

import dev.tide.agent.apply.ApplyException;
import dev.tide.agent.apply.ArtifactCache;
import dev.tide.agent.apply.ArtifactSource;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.FetchArtifactRequest;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads artifacts with FetchArtifact into the cache, resuming from the size of a partial
 * download, and verifies their sha256 before use.
 */
public final class PullArtifactSource implements ArtifactSource {
    private static final Logger log = LoggerFactory.getLogger(PullArtifactSource.class);

    private final GatewayClient gateway;
    private final ArtifactCache cache;

    public PullArtifactSource(GatewayClient gateway, ArtifactCache cache) {
        this.gateway = gateway;
        this.cache = cache;
    }

    @Override
    public Path fetch(AppRelease release) throws ApplyException {
        String sha = release.getArtifactSha256();
        Optional<Path> cached = cache.complete(sha);
        if (cached.isPresent()) {
            return cached.get();
        }
        long offset = cache.partialSize(sha);
        long size = release.getArtifactSize();
        if (size > 0 && offset >= size) {
            try {
                return cache.finish(sha); // a download finished before the agent stopped
            } catch (ApplyException e) {
                offset = 0; // wrong bytes were discarded; download again
            }
        }
        log.info("fetching artifact {} from offset {}", sha, offset);
        boolean[] last = {false};
        try {
            gateway.fetchArtifact(
                    FetchArtifactRequest.newBuilder()
                            .setSha256(sha)
                            .setOffset(offset)
                            .build(),
                    chunk -> {
                        cache.append(sha, chunk.getOffset(), chunk.getData());
                        last[0] = chunk.getLast();
                        return !chunk.getLast();
                    });
        } catch (StatusRuntimeException e) {
            String message =
                    "cannot fetch artifact " + sha + ": " + e.getStatus().getCode() + " " + Enroller.describe(e);
            if (Enroller.retryable(e.getStatus().getCode())) {
                throw ApplyException.transientFailure(message, e);
            }
            throw new ApplyException(message, e);
        }
        if (!last[0]) {
            throw ApplyException.transientFailure("artifact " + sha + ": download ended early", null);
        }
        return cache.finish(sha);
    }
}
