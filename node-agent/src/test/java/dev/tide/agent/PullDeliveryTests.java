package dev.tide.agent;

import static dev.tide.agent.support.TestApps.get;
import static dev.tide.agent.support.TestApps.hello;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.agent.support.AgentHarness;
import dev.tide.agent.support.FakeControlPlane;
import dev.tide.agent.support.KillStartedProcesses;
import dev.tide.agent.support.TestApps;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.AppStatus;
import dev.tide.proto.agent.v1.Event;
import dev.tide.proto.agent.v1.EventType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A real agent pulling from a fake control plane and running the real Hello app. */
@ExtendWith(KillStartedProcesses.class)
class PullDeliveryTests {
    private static final Duration START = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    private AgentHarness harness;
    private FakeControlPlane cp;
    private byte[] artifact;
    private String sha;

    @BeforeEach
    void setUp() throws Exception {
        harness = new AgentHarness(dir);
        cp = harness.controlPlane;
        artifact = TestApps.helloTarGz();
        sha = cp.addArtifact(artifact);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void appliesAReleaseThenReplacesItWithTheNextVersion() throws Exception {
        Agent agent = harness.start();
        long gen1 = cp.publish(hello("1.0.0", sha, artifact.length, "/health", 30));

        await().atMost(START).until(() -> "Hi from node-1 (version 1.0.0)\n".equals(get(harness.appPort, "/")));
        awaitStatus(gen1, "1.0.0", AppState.HEALTHY);
        assertThat(types(gen1)).containsSubsequence(EventType.DELIVERED, EventType.APPLIED, EventType.BECAME_HEALTHY);
        Path app = dir.resolve("apps/hello");
        assertThat(Files.readSymbolicLink(app.resolve("current"))).isEqualTo(Path.of("releases/1.0.0"));
        assertThat(app.resolve("current/conf/app.properties")).hasContent("node=node-1\nenv=staging");
        assertThat(app.resolve("logs/stdout.log")).content().contains("listening on port " + harness.appPort);
        long pid1 = agent.state().apps().get("hello").pid();

        long gen2 = cp.publish(hello("1.1.0", sha, artifact.length, "/health", 30));

        await().atMost(START).until(() -> "Hi from node-1 (version 1.1.0)\n".equals(get(harness.appPort, "/")));
        awaitStatus(gen2, "1.1.0", AppState.HEALTHY);
        assertThat(ProcessHandle.of(pid1)).isEmpty();
        assertThat(Files.readSymbolicLink(app.resolve("current"))).isEqualTo(Path.of("releases/1.1.0"));
        assertThat(cp.fetches).hasSize(1); // the second release reuses the cached artifact
    }

    @Test
    void aFailingHealthCheckRollsBackToThePreviousRelease() throws Exception {
        Agent agent = harness.start();
        long gen1 = cp.publish(hello("1.0.0", sha, artifact.length, "/health", 30));
        awaitStatus(gen1, "1.0.0", AppState.HEALTHY);

        // A window the app's start fits in even on a loaded machine (a JVM compiling Hello.java):
        // the failure to see is the app answering 404, not the port still closed.
        long gen2 = cp.publish(hello("2.0.0", sha, artifact.length, "/missing", 8));

        awaitStatus(gen2, "2.0.0", AppState.FAILED);
        assertThat(types(gen2))
                .containsSubsequence(EventType.DELIVERED, EventType.APPLY_FAILED, EventType.ROLLED_BACK)
                .doesNotContain(EventType.BECAME_HEALTHY);
        Event failed = event(gen2, EventType.APPLY_FAILED);
        assertThat(failed.getVersion()).isEqualTo("2.0.0");
        assertThat(failed.getMessage()).contains("/missing").contains("HTTP 404");
        assertThat(event(gen2, EventType.ROLLED_BACK).getVersion()).isEqualTo("1.0.0");
        assertThat(cp.status("hello").orElseThrow().getMessage()).contains("rolled back to 1.0.0");
        await().atMost(START).until(() -> "Hi from node-1 (version 1.0.0)\n".equals(get(harness.appPort, "/")));
        assertThat(Files.readSymbolicLink(dir.resolve("apps/hello/current"))).isEqualTo(Path.of("releases/1.0.0"));
        // the failed generation counts as applied: the agent does not retry it until it changes
        assertThat(agent.state().appliedGeneration()).isEqualTo(gen2);
        await().until(() -> cp.polls.stream().anyMatch(p -> p.getKnownGeneration() == gen2));
    }

    @Test
    void aRestartedAgentReadoptsTheRunningProcessInsteadOfRestartingIt() throws Exception {
        Agent first = harness.start(harness.config().stopAppsOnExit(false).build());
        long gen1 = cp.publish(hello("1.0.0", sha, artifact.length, "/health", 30));
        awaitStatus(gen1, "1.0.0", AppState.HEALTHY);
        long pid = first.state().apps().get("hello").pid();

        first.close();
        assertThat(ProcessHandle.of(pid))
                .hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        Agent second = harness.start(harness.config().enrollToken(null).build());

        await().until(() -> cp.reports.stream().anyMatch(r -> r.getAppliedGeneration() == gen1));
        assertThat(cp.enrollments).hasSize(1);
        assertThat(second.state().apps().get("hello").pid()).isEqualTo(pid);
        assertThat(second.state().apps().get("hello").state()).isEqualTo(AppState.HEALTHY);
        assertThat(cp.events()).extracting(Event::getType).doesNotContain(EventType.RESTARTED);
        assertThat(get(harness.appPort, "/")).isEqualTo("Hi from node-1 (version 1.0.0)\n");

        // it supervises the adopted process: a crash is noticed and the app restarted
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        await().atMost(START).until(() -> cp.events().stream().anyMatch(e -> e.getType() == EventType.RESTARTED));
        await().atMost(START)
                .until(() -> cp.status("hello").map(AppStatus::getState).orElse(null) == AppState.HEALTHY
                        && second.state().apps().get("hello").pid() != pid);
        assertThat(get(harness.appPort, "/")).isEqualTo("Hi from node-1 (version 1.0.0)\n");
    }

    private void awaitStatus(long gen, String version, AppState state) {
        await().atMost(START)
                .until(() -> cp.latestReport()
                        .filter(r -> r.getAppliedGeneration() == gen)
                        .flatMap(r -> r.getApplicationsList().stream()
                                .filter(s -> s.getApplication().equals("hello"))
                                .findFirst())
                        .filter(s -> s.getVersion().equals(version) && s.getState() == state)
                        .isPresent());
    }

    private List<EventType> types(long gen) {
        return cp.events().stream()
                .filter(e -> e.getGeneration() == gen)
                .map(Event::getType)
                .toList();
    }

    private Event event(long gen, EventType type) {
        return cp.events().stream()
                .filter(e -> e.getGeneration() == gen && e.getType() == type)
                .findFirst()
                .orElseThrow();
    }
}
