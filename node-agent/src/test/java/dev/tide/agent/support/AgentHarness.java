package dev.tide.agent.support;

import dev.tide.agent.Agent;
import dev.tide.agent.AgentConfig;
import dev.tide.agent.AgentDependencies;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts real {@link Agent}s against a {@link FakeControlPlane}; closes them all at the end. */
public final class AgentHarness implements AutoCloseable {
    public final FakeControlPlane controlPlane;
    public final Path dataDir;
    public final int appPort = TestApps.freePort();
    private final List<Agent> agents = new ArrayList<>();

    public AgentHarness(Path dataDir) throws Exception {
        this.controlPlane = new FakeControlPlane();
        this.dataDir = dataDir;
    }

    /** A config for node-1 with label port=appPort; apps are stopped when the agent closes. */
    public AgentConfig.Builder config() {
        return AgentConfig.builder(controlPlane.address(), dataDir)
                .enrollToken(FakeControlPlane.ENROLL_TOKEN)
                .name("node-1")
                .labels(Map.of("port", String.valueOf(appPort), "zone", "a"))
                .stopAppsOnExit(true)
                .stopGrace(Duration.ofSeconds(5))
                .rpcTimeout(Duration.ofSeconds(5));
    }

    public static AgentDependencies deps() {
        return AgentDependencies.defaults().withReportDelay(Duration.ofMillis(50));
    }

    public Agent start(AgentConfig config) throws Exception {
        return start(config, deps());
    }

    public Agent start(AgentConfig config, AgentDependencies deps) throws Exception {
        Agent agent = new Agent(config, deps);
        agents.add(agent);
        agent.start();
        return agent;
    }

    public Agent start() throws Exception {
        return start(config().build());
    }

    @Override
    public void close() throws Exception {
        agents.forEach(Agent::close);
        controlPlane.close();
    }
}
