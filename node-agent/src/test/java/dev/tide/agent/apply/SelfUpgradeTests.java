package dev.tide.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.agent.state.EventLog;
import dev.tide.agent.state.LocalState;
import dev.tide.agent.state.MemoryStateStore;
import dev.tide.agent.upgrade.AgentRelease;
import dev.tide.agent.upgrade.UpgradeFiles;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.Event;
import dev.tide.proto.agent.v1.EventType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A release of the agent itself, as the converger hands it over. */
class SelfUpgradeTests {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");

    @TempDir
    Path dir;

    private LocalState state;
    private EventLog events;
    private UpgradeFiles files;
    private Path running;

    @BeforeEach
    void setUp() throws IOException {
        state = LocalState.load(new MemoryStateStore());
        events = new EventLog(Clock.fixed(NOW, ZoneOffset.UTC));
        files = new UpgradeFiles(dir.resolve("upgrade"));
        running = Files.writeString(dir.resolve("tide-agent.jar"), "the running jar");
    }

    @Test
    void aNewVersionIsStagedOnTrialAndTheAgentAsksToRestart() throws Exception {
        Path jar = jar("dev.tide.agent.cli.AgentMain");

        boolean healthy = upgrade(files).apply(4, release("2.0.0"), r -> jar);

        assertThat(healthy).isFalse();
        Path staged = files.launch().orElseThrow();
        assertThat(staged.getFileName().toString()).startsWith("tide-agent-2.0.0-");
        assertThat(Files.mismatch(staged, jar)).isEqualTo(-1L);
        UpgradeFiles.Trial trial = files.trial().orElseThrow();
        assertThat(trial.previousJar()).isEqualTo(running.toString());
        assertThat(trial.generation()).isEqualTo(4);
        assertThat(trial.deadline()).isEqualTo(NOW.plus(Duration.ofMinutes(2)));
        assertThat(events.pending().events())
                .extracting(Event::getType)
                .containsExactly(EventType.DELIVERED, EventType.APPLIED);
        assertThat(state.app(AgentRelease.APPLICATION).state()).isEqualTo(AppState.STARTING);
    }

    @Test
    void theVersionAlreadyRunningIsHealthyWithoutAFetch() throws Exception {
        SelfUpgrade upgrade = upgrade(files);
        ArtifactSource none = r -> {
            throw new AssertionError("nothing to fetch");
        };

        assertThat(upgrade.apply(4, release("1.0.0"), none)).isTrue();
        assertThat(upgrade.apply(5, release("1.0.0"), none)).isTrue();

        assertThat(upgrade.restartRequested()).isNull();
        assertThat(events.pending().events())
                .extracting(Event::getType)
                .containsExactly(
                        EventType.DELIVERED, EventType.APPLIED, EventType.BECAME_HEALTHY); // once, not per generation
        assertThat(state.app(AgentRelease.APPLICATION).state()).isEqualTo(AppState.HEALTHY);
    }

    @Test
    void anArtifactThatIsNoRunnableJarFailsAndTheAgentKeepsRunning() throws Exception {
        Path notAJar = Files.writeString(dir.resolve("x.tar.gz"), "not a zip");
        Path noMain = jar(null);
        SelfUpgrade upgrade = upgrade(files);

        assertThat(upgrade.apply(4, release("2.0.0"), r -> notAJar)).isFalse();
        assertThat(upgrade.apply(5, release("2.0.1"), r -> noMain)).isFalse();

        assertThat(upgrade.restartRequested()).isNull();
        assertThat(files.trial()).isEmpty();
        assertThat(events.pending().events())
                .filteredOn(e -> e.getType() == EventType.APPLY_FAILED)
                .extracting(Event::getMessage)
                .satisfiesExactly(
                        m -> assertThat(m).contains("not an agent jar"),
                        m -> assertThat(m).contains("no Main-Class"));
        assertThat(state.app(AgentRelease.APPLICATION).message()).contains("agent 1.0.0 keeps running");
    }

    @Test
    void anAgentNotStartedByItsLauncherCannotUpgradeItself() throws Exception {
        SelfUpgrade upgrade = upgrade(null);
        Path jar = jar("x.Main");

        assertThat(upgrade.apply(4, release("2.0.0"), r -> jar)).isFalse();

        assertThat(events.pending().events().get(0).getMessage()).contains("tide-agent launcher");
    }

    @Test
    void anUnreachableControlPlaneIsTriedAgainLater() {
        SelfUpgrade upgrade = upgrade(files);

        assertThatThrownBy(() -> upgrade.apply(4, release("2.0.0"), r -> {
                    throw ApplyException.transientFailure("control plane unreachable", null);
                }))
                .isInstanceOf(ApplyException.class);
        assertThat(upgrade.restartRequested()).isNull();
    }

    private SelfUpgrade upgrade(UpgradeFiles upgradeFiles) {
        return new SelfUpgrade(
                state, events, upgradeFiles, "1.0.0", running, Duration.ofMinutes(2), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static AppRelease release(String version) {
        return AppRelease.newBuilder()
                .setApplication(AgentRelease.APPLICATION)
                .setVersion(version)
                .setArtifactSha256("0123456789abcdef".repeat(4))
                .build();
    }

    private Path jar(String mainClass) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (mainClass != null) {
            manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, mainClass);
        }
        Path jar = Files.createTempFile(dir, "agent", ".jar");
        try (OutputStream out = Files.newOutputStream(jar);
                JarOutputStream ignored = new JarOutputStream(out, manifest)) {
            // the manifest is all it takes
        }
        return jar;
    }
}
