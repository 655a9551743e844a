package dev.tide.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.agent.state.AgentState;
import dev.tide.agent.state.AppRecord;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.DesiredState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrunerTests {
    @TempDir
    Path dir;

    private static AppRelease release(String version, String sha) {
        return AppRelease.newBuilder()
                .setApplication("web")
                .setVersion(version)
                .setArtifactSha256(sha)
                .build();
    }

    @Test
    void keepsTheCurrentAndPreviousReleasesAndArtifactsStillInUse() throws Exception {
        AppPaths paths = new AppPaths(dir);
        for (String v : new String[] {"1", "2", "3"}) {
            Files.createDirectories(paths.release("web", v));
        }
        Path artifacts = Files.createDirectories(paths.artifacts());
        Path used = Files.writeString(artifacts.resolve("a".repeat(64)), "x");
        Path unused = Files.writeString(artifacts.resolve("b".repeat(64)), "x");
        Path fresh = Files.writeString(artifacts.resolve("c".repeat(64)), "x");
        FileTime old = FileTime.from(Instant.now().minus(Duration.ofHours(2)));
        Files.setLastModifiedTime(used, old);
        Files.setLastModifiedTime(unused, old);
        AppRecord web = new AppRecord(
                release("3", "a".repeat(64)), release("2", "a".repeat(64)), null, 1, null, AppState.HEALTHY, "");
        AgentState state = new AgentState(3, null, null, Map.of("web", web));

        new Pruner(paths).prune(state, DesiredState.getDefaultInstance());

        assertThat(paths.release("web", "1")).doesNotExist();
        assertThat(paths.release("web", "2")).isDirectory();
        assertThat(paths.release("web", "3")).isDirectory();
        assertThat(used).exists();
        assertThat(unused).doesNotExist();
        assertThat(fresh).exists(); // may belong to an Apply still arriving on a push session
    }
}
