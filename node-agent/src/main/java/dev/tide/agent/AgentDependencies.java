package dev.tide.agent;

import dev.tide.agent.apply.HealthChecker;
import dev.tide.agent.apply.ProbeHealthChecker;
import dev.tide.agent.exec.AgentExecutors;
import dev.tide.agent.state.FileStateStore;
import dev.tide.agent.state.StateStore;
import dev.tide.agent.supervise.ProcessLauncher;
import dev.tide.agent.supervise.ProcessRuntime;
import dev.tide.agent.supervise.WorkloadRuntime;
import dev.tide.agent.transport.ChannelFactory;
import dev.tide.agent.transport.Sleeper;
import io.grpc.ServerStreamTracer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * What an {@link Agent} uses from the outside world, so a test or a bench can replace it: time,
 * randomness, the workload runtime and health checks, state storage, the channel to the control
 * plane and the poll loop's sleeper.
 *
 * @param clock read for every timestamp and deadline
 * @param random jitter and backoff
 * @param workloads starts and re-adopts application processes
 * @param health health checks
 * @param stateStores the applied-state store for a data dir
 * @param channels the channel to the control plane
 * @param sleepers a sleeper per agent (the pull loop waits on it)
 * @param reportDelay how long status changes are batched before a report is sent
 * @param executors the threads the agent runs on: its own, or shared with other agents
 * @param pushTracer observes the push listener's streams (a bench counts bytes with it); may be null
 */
public record AgentDependencies(
        Clock clock,
        RandomGenerator random,
        WorkloadRuntime workloads,
        HealthChecker health,
        Function<Path, StateStore> stateStores,
        ChannelFactory channels,
        Supplier<Sleeper> sleepers,
        Duration reportDelay,
        AgentExecutors executors,
        ServerStreamTracer.Factory pushTracer) {

    /** Real processes, files, network and time. */
    public static AgentDependencies defaults() {
        Clock clock = Clock.systemUTC();
        ProcessLauncher launcher = ProcessLauncher.system();
        return new AgentDependencies(
                clock,
                new SecureRandom(),
                new ProcessRuntime(clock, launcher),
                new ProbeHealthChecker(clock, launcher),
                FileStateStore::new,
                ChannelFactory.netty(),
                Sleeper::system,
                Duration.ofMillis(200),
                AgentExecutors.perAgent(),
                null);
    }

    public AgentDependencies withClock(Clock value) {
        return new AgentDependencies(
                value, random, workloads, health, stateStores, channels, sleepers, reportDelay, executors, pushTracer);
    }

    public AgentDependencies withRandom(RandomGenerator value) {
        return new AgentDependencies(
                clock, value, workloads, health, stateStores, channels, sleepers, reportDelay, executors, pushTracer);
    }

    public AgentDependencies withWorkloads(WorkloadRuntime value) {
        return new AgentDependencies(
                clock, random, value, health, stateStores, channels, sleepers, reportDelay, executors, pushTracer);
    }

    public AgentDependencies withHealth(HealthChecker value) {
        return new AgentDependencies(
                clock, random, workloads, value, stateStores, channels, sleepers, reportDelay, executors, pushTracer);
    }

    public AgentDependencies withStateStores(Function<Path, StateStore> value) {
        return new AgentDependencies(
                clock, random, workloads, health, value, channels, sleepers, reportDelay, executors, pushTracer);
    }

    public AgentDependencies withChannels(ChannelFactory value) {
        return new AgentDependencies(
                clock, random, workloads, health, stateStores, value, sleepers, reportDelay, executors, pushTracer);
    }

    public AgentDependencies withSleepers(Supplier<Sleeper> value) {
        return new AgentDependencies(
                clock, random, workloads, health, stateStores, channels, value, reportDelay, executors, pushTracer);
    }

    public AgentDependencies withReportDelay(Duration value) {
        return new AgentDependencies(
                clock, random, workloads, health, stateStores, channels, sleepers, value, executors, pushTracer);
    }

    public AgentDependencies withExecutors(AgentExecutors value) {
        return new AgentDependencies(
                clock, random, workloads, health, stateStores, channels, sleepers, reportDelay, value, pushTracer);
    }

    public AgentDependencies withPushTracer(ServerStreamTracer.Factory value) {
        return new AgentDependencies(
                clock, random, workloads, health, stateStores, channels, sleepers, reportDelay, executors, value);
    }
}
