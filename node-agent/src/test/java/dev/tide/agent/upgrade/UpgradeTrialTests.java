package dev.tide.agent.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.agent.state.EventLog;
import dev.tide.agent.state.LocalState;
import dev.tide.agent.state.MemoryStateStore;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.Event;
import dev.tide.proto.agent.v1.EventType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upgrade folder as the agent and its launcher share it, and what a start of the agent does
 * with a trial or a revert it finds there.
 */
class UpgradeTrialTests {
    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir
    Path dir;

    private UpgradeFiles files;
    private LocalState state;
    private EventLog events;
    private ScheduledExecutorService timer;
    private final CountDownLatch restarted = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws IOException {
        files = new UpgradeFiles(dir.resolve("upgrade"));
        state = LocalState.load(new MemoryStateStore());
        events = new EventLog(CLOCK);
        timer = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterEach
    void tearDown() {
        timer.shutdownNow();
    }

    @Test
    void theNewAgentKeepsTheUpgradeOnceItReachedTheControlPlane() throws Exception {
        Path oldJar = jar("old.jar");
        Path staged = files.stage(jar("new.jar"), "2.0.0", "ab".repeat(32));
        files.beginTrial(new UpgradeFiles.Trial(oldJar.toString(), "2.0.0", 7, NOW.plusSeconds(60), null), staged);
        state.updateApp(
                AgentRelease.APPLICATION, r -> r.withTarget(release("2.0.0")).withState(AppState.STARTING, ""));
        Path leftover = files.stage(jar("older.jar"), "0.9.0", "cd".repeat(32));

        UpgradeTrial trial = trial("2.0.0");
        trial.start();
        trial.contact();
        trial.contact(); // later contacts change nothing

        assertThat(files.trial()).isEmpty();
        assertThat(files.launch()).contains(staged);
        assertThat(leftover).doesNotExist();
        assertThat(staged).exists();
        assertThat(state.app(AgentRelease.APPLICATION).state()).isEqualTo(AppState.HEALTHY);
        assertThat(state.app(AgentRelease.APPLICATION).release().getVersion()).isEqualTo("2.0.0");
        assertThat(events.pending().events()).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo(EventType.BECAME_HEALTHY);
            assertThat(e.getGeneration()).isEqualTo(7);
        });
        assertThat(restarted.await(200, TimeUnit.MILLISECONDS))
                .as("the watchdog is off")
                .isFalse();
    }

    @Test
    void aNewAgentThatCannotReachTheControlPlaneRevertsByItsDeadline() throws Exception {
        Path oldJar = jar("old.jar");
        Path staged = files.stage(jar("new.jar"), "2.0.0", "ab".repeat(32));
        files.beginTrial(new UpgradeFiles.Trial(oldJar.toString(), "2.0.0", 7, NOW.plusMillis(50), null), staged);

        trial("2.0.0").start();

        assertThat(restarted.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(files.launch()).contains(oldJar);
        assertThat(files.trial()).isEmpty();
        assertThat(files.reverted()).hasValueSatisfying(r -> {
            assertThat(r.version()).isEqualTo("2.0.0");
            assertThat(r.reason()).contains("did not reach the control plane");
        });
    }

    @Test
    void theOldAgentReportsARevertTheLauncherWrote() throws Exception {
        // what node-agent/src/main/dist/tide-agent writes when the new jar exits early
        Files.createDirectories(files.dir());
        Files.writeString(
                files.dir().resolve("reverted"),
                "previous=\nversion=2.0.0\ngeneration=9\ndeadline=0\n"
                        + "reason=agent 2.0.0 exited with code 1 before it reached the control plane; reverted\n",
                StandardCharsets.UTF_8);
        state.updateApp(
                AgentRelease.APPLICATION, r -> r.withTarget(release("2.0.0")).withState(AppState.STARTING, ""));

        trial("1.0.0").start();

        Event event = events.pending().events().get(0);
        assertThat(event.getType()).isEqualTo(EventType.APPLY_FAILED);
        assertThat(event.getGeneration()).isEqualTo(9);
        assertThat(event.getVersion()).isEqualTo("2.0.0");
        assertThat(event.getMessage()).contains("exited with code 1");
        assertThat(state.app(AgentRelease.APPLICATION).state()).isEqualTo(AppState.FAILED);
        assertThat(state.app(AgentRelease.APPLICATION).message()).contains("agent 1.0.0 keeps running");
        assertThat(files.reverted()).isEmpty();
    }

    @Test
    void aTrialOfAnotherVersionThanTheOneRunningWasNeverStarted() throws Exception {
        Path oldJar = jar("old.jar");
        files.beginTrial(
                new UpgradeFiles.Trial(oldJar.toString(), "2.0.0", 3, NOW.plusSeconds(60), null),
                files.stage(jar("new.jar"), "2.0.0", "ab".repeat(32)));

        trial("1.0.0").start();

        assertThat(files.trial()).isEmpty();
        assertThat(files.launch()).contains(oldJar);
        assertThat(events.pending().events())
                .singleElement()
                .satisfies(e -> assertThat(e.getMessage()).contains("never started", "tide-agent launcher"));
    }

    @Test
    void valuesStayOnOneLineForTheLauncher() throws Exception {
        Path oldJar = jar("old.jar");
        files.beginTrial(
                new UpgradeFiles.Trial(oldJar.toString(), "2.0.0", 3, NOW, null),
                files.stage(jar("new.jar"), "2.0.0", "ab".repeat(32)));
        files.revert(files.trial().orElseThrow(), "first line\nsecond=line");

        assertThat(Files.readAllLines(files.dir().resolve("reverted")))
                .contains("reason=first line second=line")
                .contains("previous=" + oldJar);
        assertThat(Files.readString(files.dir().resolve("launch")).trim()).isEqualTo(oldJar.toString());
    }

    private UpgradeTrial trial(String running) {
        return new UpgradeTrial(files, state, events, running, CLOCK, timer, restarted::countDown);
    }

    private Path jar(String name) throws IOException {
        return Files.writeString(dir.resolve(name), name);
    }

    private static AppRelease release(String version) {
        return AppRelease.newBuilder()
                .setApplication(AgentRelease.APPLICATION)
                .setVersion(version)
                .build();
    }
}
