package dev.tide.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.agent.supervise.WorkloadSpec;
import dev.tide.agent.support.AgentHarness;
import dev.tide.agent.support.FakeControlPlane;
import dev.tide.agent.support.SimulatedRuntime;
import dev.tide.agent.support.TestApps;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.AppStatus;
import dev.tide.proto.agent.v1.EventType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent with the workload seam filled by a simulated runtime (as a bench hosting thousands of
 * agents would): dependency order, undesired apps, the process environment, blocked dependents,
 * and the events a rollout waits for reported at once rather than after the batching delay.
 */
class SimulatedRuntimeTests {
    @TempDir
    Path dir;

    private static final Duration BATCHED = Duration.ofMillis(50);

    private AgentHarness harness;
    private FakeControlPlane cp;
    private final SimulatedRuntime runtime = new SimulatedRuntime();
    private String sha;
    private int size;

    @BeforeEach
    void setUp() throws Exception {
        harness = new AgentHarness(dir);
        cp = harness.controlPlane;
        byte[] artifact = TestApps.tarGz(Map.of("app.txt", "x".getBytes()));
        sha = cp.addArtifact(artifact);
        size = artifact.length;
    }

    private void start(Duration reportDelay) throws Exception {
        harness.start(
                harness.config().build(),
                AgentHarness.deps().withWorkloads(runtime).withHealth(runtime).withReportDelay(reportDelay));
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private AppRelease app(String name, String version, String... deps) {
        return AppRelease.newBuilder()
                .setApplication(name)
                .setVersion(version)
                .setReleaseId("rel-" + name + "-" + version)
                .setArtifactSha256(sha)
                .setArtifactSize(size)
                .addStart("/opt/" + name + "/bin/run")
                .addStart("--name=${node.name}")
                .putEnv("PORT", "${node.label.port}")
                .addAllDependsOn(java.util.List.of(deps))
                .build();
    }

    @Test
    void startsApplicationsInDependencyOrderWithTheirEnvironmentResolved() throws Exception {
        start(BATCHED);
        long gen = cp.publish(app("web", "1", "api"), app("api", "1", "db"), app("db", "1"));

        await().until(() ->
                cp.latestReport().map(r -> r.getAppliedGeneration() == gen).orElse(false));
        assertThat(runtime.startedApps()).containsExactly("db", "api", "web");
        WorkloadSpec web = runtime.started.get(2);
        assertThat(web.argv()).containsExactly("/opt/web/bin/run", "--name=node-1");
        assertThat(web.env())
                .containsEntry("PORT", String.valueOf(harness.appPort))
                .containsEntry("TIDE_APP", "web")
                .containsEntry("TIDE_VERSION", "1")
                .containsEntry("TIDE_NODE_NAME", "node-1");
        assertThat(web.workDir()).isEqualTo(dir.resolve("apps/web/releases/1"));
        assertThat(cp.latestReport().orElseThrow().getApplicationsList())
                .extracting(AppStatus::getState)
                .containsOnly(AppState.HEALTHY);
    }

    @Test
    void stopsApplicationsNoLongerDesiredAndLeavesUnchangedOnesAlone() throws Exception {
        start(BATCHED);
        long first = cp.publish(app("api", "1"), app("web", "1", "api"));
        await().until(() ->
                cp.latestReport().map(r -> r.getAppliedGeneration() == first).orElse(false));
        long gen = cp.publish(app("api", "1"));

        await().until(() ->
                cp.status("web").map(s -> s.getState() == AppState.STOPPED).orElse(false)
                        && cp.latestReport().orElseThrow().getAppliedGeneration() == gen);
        assertThat(runtime.stopped).containsExactly("web");
        assertThat(runtime.startedApps()).containsExactly("api", "web"); // api was not restarted
        assertThat(cp.status("api").orElseThrow().getState()).isEqualTo(AppState.HEALTHY);
        await().until(() -> reported(gen, EventType.APP_STOPPED));
        assertThat(cp.events())
                .filteredOn(e -> e.getType() == EventType.APP_STOPPED)
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.getApplication()).isEqualTo("web");
                    assertThat(e.getVersion()).isEqualTo("1");
                    assertThat(e.getMessage()).isEqualTo("no longer desired on this node");
                });
        AppStatus web = cp.status("web").orElseThrow();
        assertThat(web.getVersion()).isEqualTo("1"); // the release it last ran
        assertThat(web.getRunningVersion()).isEmpty(); // nothing runs
    }

    @Test
    void theRunningReleaseIsReportedBesideTheOneBeingApplied() throws Exception {
        start(BATCHED);
        cp.publish(app("api", "1"));
        await().until(() -> cp.status("api")
                .map(s -> s.getState() == AppState.HEALTHY
                        && s.getRunningVersion().equals("1"))
                .orElse(false));
        assertThat(cp.status("api").orElseThrow().getRunningReleaseId()).isEqualTo("rel-api-1");
        runtime.unhealthyApps.add("api");
        long second = cp.publish(app("api", "2"));

        await().until(() ->
                cp.latestReport().map(r -> r.getAppliedGeneration() == second).orElse(false));
        AppStatus api = cp.status("api").orElseThrow();
        assertThat(api.getState()).isEqualTo(AppState.FAILED);
        assertThat(api.getVersion()).isEqualTo("2"); // the release that failed
        assertThat(api.getRunningVersion()).isEqualTo("1"); // rolled back: 1 runs
        assertThat(api.getRunningReleaseId()).isEqualTo("rel-api-1");
    }

    @Test
    void aDependentDoesNotStartWhenItsDependencyFailed() throws Exception {
        start(BATCHED);
        runtime.unhealthyApps.add("api");
        long gen = cp.publish(app("api", "1"), app("web", "1", "api"));

        await().until(() ->
                cp.latestReport().map(r -> r.getAppliedGeneration() == gen).orElse(false));
        assertThat(runtime.startedApps()).containsExactly("api");
        assertThat(cp.status("web").orElseThrow().getState()).isEqualTo(AppState.FAILED);
        assertThat(cp.status("web").orElseThrow().getMessage()).contains("dependency api is not healthy");
    }

    @Test
    void becomingHealthyIsReportedWithoutWaitingForTheBatch() throws Exception {
        start(Duration.ofHours(1)); // only an immediate report can arrive
        long gen = cp.publish(app("api", "1"));

        await().atMost(Duration.ofSeconds(20)).until(() -> reported(gen, EventType.BECAME_HEALTHY));
    }

    @Test
    void aFailureIsReportedWithoutWaitingForTheBatch() throws Exception {
        start(Duration.ofHours(1));
        runtime.unhealthyApps.add("api");
        long gen = cp.publish(app("api", "1"));

        await().atMost(Duration.ofSeconds(20)).until(() -> reported(gen, EventType.APPLY_FAILED));
    }

    private boolean reported(long gen, EventType type) {
        return cp.reports.stream()
                .flatMap(r -> r.getEventsList().stream())
                .anyMatch(e -> e.getGeneration() == gen && e.getType() == type);
    }
}
