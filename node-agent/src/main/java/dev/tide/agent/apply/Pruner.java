package dev.tide.agent.apply;

import dev.tide.agent.state.AgentState;
import dev.tide.agent.state.AppRecord;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.DesiredState;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the data dir from growing without bound: after a generation, release folders other than
 * each application's current and previous one are deleted, and so are cached artifacts that no
 * recorded or desired release refers to and that were not touched for an hour.
 */
final class Pruner {
    private static final Logger log = LoggerFactory.getLogger(Pruner.class);

    private static final Duration UNUSED_ARTIFACT_AGE = Duration.ofHours(1);

    private final AppPaths paths;

    Pruner(AppPaths paths) {
        this.paths = paths;
    }

    void prune(AgentState state, DesiredState desired) {
        Set<String> artifacts = new HashSet<>();
        desired.getApplicationsList().forEach(r -> artifacts.add(r.getArtifactSha256()));
        state.apps().forEach((app, record) -> {
            Set<String> keep = new HashSet<>();
            for (AppRelease r : Stream.of(record.release(), record.previous(), record.target())
                    .filter(r -> r != null)
                    .toList()) {
                keep.add(r.getVersion());
                artifacts.add(r.getArtifactSha256());
            }
            pruneReleases(app, record, keep);
        });
        pruneArtifacts(artifacts);
    }

    private void pruneReleases(String app, AppRecord record, Set<String> keep) {
        Path releases = paths.releases(app);
        if (!Files.isDirectory(releases)) {
            return;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(releases)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (!keep.contains(name) && !name.startsWith(".tmp-")) {
                    SafePaths.deleteTree(dir);
                    Files.deleteIfExists(paths.manifest(app, name));
                    log.info("removed old release {}@{}", app, name);
                }
            }
        } catch (IOException e) {
            log.warn("cannot prune {}: {}", releases, e.toString());
        }
    }

    private void pruneArtifacts(Set<String> keep) {
        Path dir = paths.artifacts();
        if (!Files.isDirectory(dir)) {
            return;
        }
        Instant cutoff = Instant.now().minus(UNUSED_ARTIFACT_AGE);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String sha = name.endsWith(".part") ? name.substring(0, name.length() - 5) : name;
                // a push session may be receiving (or have just received) an artifact for an
                // Apply that is not queued yet: only files untouched for a while are removed
                if (!keep.contains(sha)
                        && Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
                    Files.deleteIfExists(file);
                }
            }
        } catch (IOException e) {
            log.warn("cannot prune {}: {}", dir, e.toString());
        }
    }
}
