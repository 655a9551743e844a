package dev.tide.agent.transport;

import dev.tide.agent.apply.ApplyException;
import dev.tide.agent.apply.ArtifactCache;
import dev.tide.agent.state.LocalState;
import dev.tide.proto.agent.v1.AgentMessage;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.Apply;
import dev.tide.proto.agent.v1.ArtifactChunk;
import dev.tide.proto.agent.v1.ArtifactRequest;
import dev.tide.proto.agent.v1.DesiredState;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles Apply and ArtifactChunk on a push session. An Apply for a generation already applied
 * (or already being applied) is answered with a status report and nothing else. Otherwise the
 * artifacts missing from the cache are requested; the chunks are written to the cache and each
 * artifact's sha256 is verified once complete; then the desired state is applied.
 */
final class PushApplyHandler {
    private static final Logger log = LoggerFactory.getLogger(PushApplyHandler.class);

    private final LocalState state;
    private final ArtifactCache cache;
    private final ApplySubmitter submitter;
    private final StatusReporter reporter;
    private Pending pending;
    private long lastSubmitted;

    PushApplyHandler(LocalState state, ArtifactCache cache, ApplySubmitter submitter, StatusReporter reporter) {
        this.state = state;
        this.cache = cache;
        this.submitter = submitter;
        this.reporter = reporter;
    }

    private record Pending(
            PushSession session, DesiredState desired, Set<String> missing, Map<String, String> failures) {}

    void onApply(PushSession session, Apply apply) {
        DesiredState desired = apply.getState();
        long gen = desired.getGeneration();
        synchronized (this) {
            if (gen > state.appliedGeneration() && gen > lastSubmitted) {
                if (pending != null && pending.desired().getGeneration() == gen && pending.session() == session) {
                    return; // duplicate while its artifacts are still arriving
                }
                start(session, desired);
                return;
            }
        }
        log.debug("push Apply of generation {}: already applied", gen);
        reporter.sendTo(session);
    }

    private void start(PushSession session, DesiredState desired) {
        Set<String> missing = new LinkedHashSet<>();
        for (AppRelease release : desired.getApplicationsList()) {
            if (cache.complete(release.getArtifactSha256()).isEmpty()) {
                missing.add(release.getArtifactSha256());
            }
        }
        pending = new Pending(session, desired, missing, new ConcurrentHashMap<>());
        if (missing.isEmpty()) {
            submit();
            return;
        }
        log.info(
                "generation {}: requesting {} artifact(s) on the push session",
                desired.getGeneration(),
                missing.size());
        session.send(AgentMessage.newBuilder()
                .setArtifactRequest(ArtifactRequest.newBuilder()
                        .setGeneration(desired.getGeneration())
                        .addAllSha256(missing))
                .build());
    }

    synchronized void onChunk(PushSession session, ArtifactChunk chunk) {
        String sha = chunk.getSha256();
        if (pending == null
                || pending.session() != session
                || !pending.missing().contains(sha)) {
            log.warn("ignoring an artifact chunk nobody asked for ({})", sha);
            return;
        }
        try {
            cache.append(sha, chunk.getOffset(), chunk.getData());
            if (chunk.getLast()) {
                cache.finish(sha);
                pending.missing().remove(sha);
            }
        } catch (ApplyException e) {
            log.warn("artifact {} refused: {}", sha, e.getMessage());
            cache.discard(sha);
            pending.failures().put(sha, e.getMessage());
            pending.missing().remove(sha);
        }
        if (pending.missing().isEmpty()) {
            submit();
        }
    }

    synchronized void sessionEnded(PushSession session) {
        if (pending != null && pending.session() == session) {
            pending = null; // partial downloads stay in the cache; the next session starts over
        }
    }

    private void submit() {
        Pending p = pending;
        pending = null;
        lastSubmitted = p.desired().getGeneration();
        Map<String, String> failures = Map.copyOf(p.failures());
        submitter.submit(p.desired(), release -> fromCache(release, failures));
    }

    private Path fromCache(AppRelease release, Map<String, String> failures) throws ApplyException {
        String sha = release.getArtifactSha256();
        return cache.complete(sha)
                .orElseThrow(
                        () -> new ApplyException(failures.getOrDefault(sha, "artifact " + sha + " was not received")));
    }
}
