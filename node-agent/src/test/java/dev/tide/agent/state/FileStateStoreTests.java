package dev.tide.agent.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileStateStoreTests {
    @TempDir
    Path dir;

    private static AppRelease release(String version) {
        return AppRelease.newBuilder()
                .setApplication("web")
                .setVersion(version)
                .addStart("python3")
                .addStart("app.py")
                .putEnv("PORT", "${node.label.port}")
                .build();
    }

    @Test
    void whatIsSavedIsLoadedBackAndTheSameMessagesAreWrittenTheSameWayEachTime() throws Exception {
        FileStateStore store = new FileStateStore(dir);
        AgentState state = AgentState.EMPTY
                .withAppliedGeneration(7)
                .withApp(
                        "web",
                        new AppRecord(
                                release("2"),
                                release("1"),
                                null,
                                42,
                                Instant.parse("2026-12-01T10:00:00Z"),
                                AppState.HEALTHY,
                                ""));

        store.save(state);
        String first = Files.readString(dir.resolve("state.json"));
        store.save(state.withApp("web", state.apps().get("web").withReleases(release("2"), release("1"))));

        assertThat(Files.readString(dir.resolve("state.json"))).isEqualTo(first);
        assertThat(first).contains("${node.label.port}");
        assertThat(store.load()).isEqualTo(state);
    }

    @Test
    void aChangedReleaseIsWrittenAsChanged() throws Exception {
        FileStateStore store = new FileStateStore(dir);
        AgentState state =
                AgentState.EMPTY.withApp("web", new AppRecord(release("1"), null, null, 0, null, AppState.HEALTHY, ""));
        store.save(state);

        store.save(state.withApp("web", state.apps().get("web").withReleases(release("3"), release("1"))));

        assertThat(store.load().apps().get("web").release().getVersion()).isEqualTo("3");
    }
}
