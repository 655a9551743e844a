package dev.tide.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.agent.exec.AgentExecutors;
import dev.tide.agent.state.MemoryStateStore;
import dev.tide.agent.support.AgentHarness;
import dev.tide.agent.support.FakeControlPlane;
import dev.tide.agent.support.SimulatedRuntime;
import dev.tide.agent.support.TestApps;
import dev.tide.proto.agent.v1.AppRelease;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hundred agents in one JVM on one shared pool and timer, all long-polling: each converges, and
 * the JVM does not grow a thread per agent (the old loop held three each).
 */
class SharedExecutorsTests {
    private static final int AGENTS = 100;

    @TempDir
    Path dir;

    private final ExecutorService pool = Executors.newFixedThreadPool(8);
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    private final List<Agent> agents = new ArrayList<>();
    private FakeControlPlane cp;

    @AfterEach
    void tearDown() throws Exception {
        agents.forEach(Agent::close);
        pool.shutdownNow();
        timer.shutdownNow();
        if (cp != null) {
            cp.close();
        }
    }

    /** Live threads but the fake control plane's own (it parks a thread per long-poll). */
    private static long agentSideThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !t.getName().startsWith(FakeControlPlane.SERVER_THREAD_PREFIX))
                .count();
    }

    @Test
    void manyAgentsShareThreadsAndAllConverge() throws Exception {
        cp = new FakeControlPlane();
        cp.setSchedule(FakeControlPlane.watch(30));
        SimulatedRuntime runtime = new SimulatedRuntime();
        AgentDependencies deps = AgentHarness.deps()
                .withWorkloads(runtime)
                .withHealth(runtime)
                .withStateStores(d -> new MemoryStateStore())
                .withExecutors(AgentExecutors.shared(pool, timer));
        long threadsBefore = agentSideThreads();
        for (int i = 0; i < AGENTS; i++) {
            Agent agent = new Agent(
                    AgentConfig.builder(cp.address(), dir.resolve("agent-" + i))
                            .enrollToken(FakeControlPlane.ENROLL_TOKEN)
                            .name("node-" + i)
                            .rpcTimeout(Duration.ofSeconds(10))
                            .build(),
                    deps);
            agents.add(agent);
            agent.start();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> agents.stream().allMatch(Agent::isPolling));
        byte[] artifact = TestApps.tarGz(Map.of("app.txt", "x".getBytes()));
        long gen = cp.publish(AppRelease.newBuilder()
                .setApplication("api")
                .setVersion("1")
                .setArtifactSha256(cp.addArtifact(artifact))
                .setArtifactSize(artifact.length)
                .addStart("bin/api")
                .build());

        await().atMost(Duration.ofSeconds(60))
                .until(() -> agents.stream().allMatch(a -> a.state().appliedGeneration() == gen));
        assertThat(runtime.startedApps()).hasSize(AGENTS);
        assertThat(agentSideThreads() - threadsBefore)
                .as("threads added for %d agents", AGENTS)
                .isLessThan(AGENTS / 2);
    }
}
