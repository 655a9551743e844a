package dev.tide.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.agent.state.AppRecord;
import dev.tide.agent.state.EventLog;
import dev.tide.agent.state.LocalState;
import dev.tide.agent.state.MemoryStateStore;
import dev.tide.agent.state.NodeContext;
import dev.tide.agent.supervise.Supervisor;
import dev.tide.agent.supervise.Workload;
import dev.tide.agent.support.ManualTimer;
import dev.tide.agent.support.SimulatedRuntime;
import dev.tide.agent.support.TestApps;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.Event;
import dev.tide.proto.agent.v1.EventType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The periodic check on real release folders, with the workloads and the health probe replaced at
 * their boundary: a hung app is restarted after {@link PeriodicCheck#HUNG_AFTER} failed probes, a
 * hiccup changes nothing, apps being applied and the agent itself are left alone, and release
 * files changed on disk are restored from the cached artifact (or reported when it is gone).
 */
class PeriodicCheckTests {
    @TempDir
    Path dir;

    private final SimulatedRuntime runtime = new SimulatedRuntime();
    private final ManualTimer timer = new ManualTimer();
    /** What the next probes answer (then healthy); and how many were made. */
    private final Deque<HealthChecker.Result> script = new ArrayDeque<>();

    private final AtomicInteger probes = new AtomicInteger();
    private AppPaths paths;
    private LocalState state;
    private EventLog events;
    private ReleasePreparer preparer;
    private Supervisor supervisor;
    private Path artifact;
    private AppRelease release;
    private PeriodicCheck check;

    @BeforeEach
    void setUp() throws Exception {
        paths = new AppPaths(dir);
        byte[] bytes = TestApps.tarGz(
                Map.of("app.txt", "the app".getBytes(StandardCharsets.UTF_8), "lib/big.bin", new byte[100_000]));
        String sha = TestApps.hashOf(bytes);
        artifact = Files.write(Files.createDirectories(paths.artifacts()).resolve(sha), bytes);
        release = AppRelease.newBuilder()
                .setApplication("web")
                .setVersion("1")
                .setReleaseId("rel-1")
                .setArtifactSha256(sha)
                .setArtifactMediaType("application/gzip")
                .addStart("/opt/web/run")
                .putConfigFiles("conf/app.properties", "node=${node.name}\n")
                .build();
        state = LocalState.load(new MemoryStateStore());
        state.update(s -> s.withNode(new NodeContext("node-1", "staging", Map.of())));
        events = new EventLog(Clock.systemUTC());
        preparer = new ReleasePreparer(paths, UnpackLimits.defaults(), RunAs.system());
        HealthChecker health = new HealthChecker() {
            @Override
            public Result await(ResolvedHealthCheck c, Path workDir, Workload workload) {
                return Result.ok(); // after a start
            }

            @Override
            public Result probe(ResolvedHealthCheck c, Path workDir, Workload workload) {
                probes.incrementAndGet();
                HealthChecker.Result next = script.poll();
                return next != null ? next : Result.ok();
            }
        };
        supervisor = new Supervisor(runtime, Runnable::run, timer, Clock.systemUTC());
        supervisor.setListener(new RestartHandler(state, events, preparer, health));
        check = new PeriodicCheck(
                new ReleaseApplier(state, events, preparer, supervisor, health, paths, Duration.ZERO),
                new ArtifactCache(paths.artifacts()));
        ResolvedRelease resolved = preparer.prepare(release, state.current().node(), artifact);
        CurrentLink.switchTo(paths.app("web"), resolved.dir());
        Workload workload = supervisor.start(resolved.spec());
        state.updateApp(
                "web",
                r -> new AppRecord(release, null, null, workload.pid(), workload.startedAt(), AppState.HEALTHY, ""));
    }

    private void fail(int times) {
        for (int i = 0; i < times; i++) {
            script.add(HealthChecker.Result.failed("health check http :8080/health: HTTP 500"));
        }
    }

    private void rounds(int n) throws Exception {
        for (int i = 0; i < n; i++) {
            check.run();
        }
    }

    private List<Event> events(EventType type) {
        return events.pending().events().stream()
                .filter(e -> e.getType() == type)
                .toList();
    }

    private void assertOnlyEvent(EventType type, String message) {
        assertThat(events.pending().events()).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo(type);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void anAppWhoseCheckFailsThreeTimesInARowIsMarkedUnhealthyRestartedAndHealthyAgain() throws Exception {
        fail(3);

        rounds(2);
        assertThat(runtime.stopped).isEmpty();
        assertThat(state.app("web").state()).isEqualTo(AppState.HEALTHY);

        rounds(1);
        assertThat(runtime.stopped).containsExactly("web");
        assertThat(state.app("web").state()).isEqualTo(AppState.UNHEALTHY);
        assertThat(state.app("web").message())
                .startsWith("hung: health check http :8080/health: HTTP 500 (3 checks in a row); restarting in");

        timer.runNext(); // the supervisor's restart, after its backoff
        assertThat(runtime.startedApps()).containsExactly("web", "web");
        assertOnlyEvent(
                EventType.RESTARTED,
                "process restarted: hung: health check http :8080/health: HTTP 500 (3 checks in a row)");
        assertThat(state.app("web").state()).isEqualTo(AppState.HEALTHY);
        assertThat(timer.delays).containsExactly(Duration.ofSeconds(1)); // the supervisor's backoff applied
    }

    @Test
    void anAppThatRecoversBeforeTheThresholdChangesNothing() throws Exception {
        fail(2);
        rounds(3);
        fail(2);
        rounds(3);

        assertThat(probes).hasValue(6);
        assertThat(runtime.stopped).isEmpty();
        assertThat(state.app("web").state()).isEqualTo(AppState.HEALTHY);
        assertThat(events.pending().events()).isEmpty();
    }

    @Test
    void anUnhealthyAppBecomesHealthyOnceItsCheckPasses() throws Exception {
        state.updateApp("web", r -> r.withState(AppState.UNHEALTHY, "health check failed"));
        rounds(1);
        assertThat(state.app("web").state()).isEqualTo(AppState.HEALTHY);
        assertThat(state.app("web").message()).isEmpty();
    }

    @Test
    void appsBeingAppliedOrStoppedAndTheAgentItselfAreNotChecked() throws Exception {
        fail(10);
        state.updateApp(
                "web", r -> r.withTarget(release.toBuilder().setVersion("2").build()));
        rounds(3);
        state.updateApp("web", r -> r.withTarget(null).withState(AppState.STARTING, ""));
        rounds(3);
        state.updateApp("web", r -> r.withState(AppState.STOPPED, ""));
        rounds(3);
        state.updateApp("web", r -> null);
        state.updateApp(
                "tide-agent",
                r -> new AppRecord(
                        release.toBuilder().setApplication("tide-agent").build(),
                        null,
                        null,
                        1,
                        null,
                        AppState.HEALTHY,
                        ""));
        rounds(3);

        assertThat(probes).hasValue(0);
        assertThat(runtime.stopped).isEmpty();
        assertThat(events.pending().events()).isEmpty();
    }

    @Test
    void anEditedReleaseFileIsRestoredFromTheArtifactAndReportedAsDrift() throws Exception {
        Path file = paths.release("web", "1").resolve("app.txt");
        Files.writeString(file, "our app"); // the same size: found by its hash

        rounds(1);

        assertThat(file).hasContent("the app");
        assertThat(runtime.stopped).containsExactly("web");
        assertThat(runtime.startedApps()).containsExactly("web", "web");
        assertOnlyEvent(
                EventType.DRIFTED,
                "release files changed on disk: app.txt (changed); restored from the verified artifact and restarted");
        assertThat(state.app("web").state()).isEqualTo(AppState.HEALTHY);
        assertThat(state.app("web").message()).contains("restored from the verified artifact");
        assertThat(probes).hasValue(0); // not probed in the round that restored it

        rounds(2); // restored: nothing more to do
        assertThat(events(EventType.DRIFTED)).hasSize(1);
        assertThat(probes).hasValue(2);
    }

    @Test
    void aDeletedConfigFileIsRestored() throws Exception {
        Path config = paths.release("web", "1").resolve("conf/app.properties");
        Files.delete(config);

        rounds(1);

        assertThat(config).hasContent("node=node-1\n");
        assertThat(events(EventType.DRIFTED))
                .singleElement()
                .satisfies(e -> assertThat(e.getMessage())
                        .startsWith("release files changed on disk:" + " conf/app.properties (missing);"));
    }

    @Test
    void filesTheAppAddsAndFilesOnlyTouchedAreLeftAlone() throws Exception {
        Path release1 = paths.release("web", "1");
        Files.writeString(release1.resolve("cache.db"), "written by the app");
        Files.setLastModifiedTime(
                release1.resolve("app.txt"), FileTime.from(Instant.now().plusSeconds(5)));

        rounds(2);

        assertThat(release1.resolve("cache.db")).hasContent("written by the app");
        assertThat(runtime.stopped).isEmpty();
        assertThat(events.pending().events()).isEmpty();
        assertThat(probes).hasValue(2);
    }

    @Test
    void driftWithTheCachedArtifactGoneIsReportedOnceAndTheAppKeepsRunning() throws Exception {
        Files.delete(artifact);
        Files.writeString(paths.release("web", "1").resolve("app.txt"), "patched");

        rounds(3);

        assertThat(runtime.stopped).isEmpty();
        assertThat(state.app("web").state()).isEqualTo(AppState.UNHEALTHY);
        assertThat(state.app("web").message())
                .isEqualTo("release files changed on disk: app.txt (changed); the cached artifact is gone, so they"
                        + " cannot be restored: deploy the release again");
        assertThat(events(EventType.DRIFTED)).hasSize(1);
    }

    @Test
    void driftThatCouldNotBeRestoredEndsWhenTheFilesAreAsPreparedAgain() throws Exception {
        Files.delete(artifact);
        Path file = paths.release("web", "1").resolve("app.txt");
        Files.writeString(file, "patched");
        rounds(1);
        assertThat(state.app("web").state()).isEqualTo(AppState.UNHEALTHY);

        Files.writeString(file, "the app"); // put back by hand
        rounds(1);

        assertThat(state.app("web").state()).isEqualTo(AppState.HEALTHY);
        assertThat(probes).hasValue(1);
        assertThat(events(EventType.DRIFTED)).hasSize(1);
    }

    @Test
    void aCachedArtifactThatNoLongerMatchesItsSha256IsNotUsed() throws Exception {
        Files.write(artifact, TestApps.tarGz(Map.of("app.txt", "evil".getBytes(StandardCharsets.UTF_8))));
        Path file = paths.release("web", "1").resolve("app.txt");
        Files.writeString(file, "patched");

        rounds(1);

        assertThat(file).hasContent("patched");
        assertThat(state.app("web").message()).contains("the cached artifact is gone");
    }

    @Test
    void aLargeFolderIsCoveredOverSeveralBoundedRounds() throws Exception {
        DriftCheck drift = new DriftCheck(paths);
        Files.writeString(paths.release("web", "1").resolve("lib/big.bin"), "x"); // checked third: app.txt, conf/, lib/

        assertThat(drift.changed("web", "1", new DriftCheck.Allowance(1, 1 << 20)))
                .isEmpty();
        assertThat(drift.changed("web", "1", new DriftCheck.Allowance(1, 1 << 20)))
                .isEmpty();
        assertThat(drift.changed("web", "1", new DriftCheck.Allowance(1, 1 << 20)))
                .containsExactly("lib/big.bin (changed)");
        assertThat(drift.changed("web", "1", DriftCheck.Allowance.perRound())).containsExactly("lib/big.bin (changed)");
    }

    @Test
    void aSymbolicLinkInsideTheReleaseIsNotDrift() throws Exception {
        Path folder = Files.createDirectories(paths.release("web", "2"));
        Files.writeString(folder.resolve("app-2.0.jar"), "jar");
        Files.createSymbolicLink(folder.resolve("app.jar"), Path.of("app-2.0.jar"));
        ReleaseManifest.of(folder).save(paths.manifest("web", "2"));

        assertThat(ReleaseManifest.load(paths.manifest("web", "2"))
                        .orElseThrow()
                        .files())
                .containsOnlyKeys("app-2.0.jar");
        assertThat(new DriftCheck(paths).changed("web", "2", DriftCheck.Allowance.perRound()))
                .isEmpty();
    }

    @Test
    void theManifestIsKeptOutsideTheReleaseFolder() throws Exception {
        ReleaseManifest manifest =
                ReleaseManifest.load(paths.manifest("web", "1")).orElseThrow();
        assertThat(manifest.files()).containsOnlyKeys("app.txt", "conf/app.properties", "lib/big.bin");
        assertThat(manifest.files().get("lib/big.bin").size()).isEqualTo(100_000);
        assertThat(manifest.files().get("app.txt").sha256())
                .isEqualTo(TestApps.hashOf("the app".getBytes(StandardCharsets.UTF_8)));
        assertThat(paths.manifest("web", "1").startsWith(paths.release("web", "1")))
                .isFalse();
    }
}
