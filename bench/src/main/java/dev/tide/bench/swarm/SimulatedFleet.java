package dev.tide.bench.swarm;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import dev.tide.agent.Agent;
import dev.tide.agent.AgentConfig;
import dev.tide.agent.AgentDependencies;
import dev.tide.agent.AgentException;
import dev.tide.agent.HostPort;
import dev.tide.agent.exec.AgentExecutors;
import dev.tide.agent.state.MemoryStateStore;
import dev.tide.agent.transport.ChannelFactory;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Many real {@link Agent}s in one JVM: each enrolls, pulls or serves push sessions over its own
 * gRPC connection exactly as the daemon does, but they share one pool and one timer, keep their
 * data dirs on an in-memory file system and run {@link SimulatedWorkloads} instead of processes.
 */
public final class SimulatedFleet implements AutoCloseable {
    /**
     * What to start.
     *
     * @param controlPlanes where the agents enroll and pull: agent i uses replica i mod their number,
     *     as a load balancer would spread them (push sessions are dialled by whichever replica holds
     *     the node's push lease)
     * @param token a multi-use enrollment token
     * @param namePrefix agents are named prefix-index
     * @param from the first index (global across workers, so names and ports do not collide)
     * @param count how many agents
     * @param listenBasePort push listener of agent i on 127.0.0.1:(base + i); 0 for any free port, -1 for none
     * @param labels labels of every agent
     * @param behaviour how simulated applications behave
     * @param poolThreads threads shared by the agents' applies
     * @param enrollParallel how many agents enroll at once
     * @param idleTimeout when an agent's unused channel to the control plane closes its connection
     */
    public record Spec(
            List<HostPort> controlPlanes,
            String token,
            String namePrefix,
            int from,
            int count,
            int listenBasePort,
            Map<String, String> labels,
            SimulatedWorkloads.Behaviour behaviour,
            int poolThreads,
            int enrollParallel,
            Duration idleTimeout) {
        public Spec {
            controlPlanes = List.copyOf(controlPlanes);
            if (controlPlanes.isEmpty()) {
                throw new IllegalArgumentException("no control plane to enroll with");
            }
        }
    }

    private final Spec spec;
    private final WireCounter wire = new WireCounter();
    /**
     * The agents' data dirs, in memory. Jimfs's defaults (8 KB blocks, every freed block kept for
     * reuse) cost a 300-byte key file 8 KB and kept every old release's blocks: 2,500 agents filled
     * a 1 GB worker heap by the sixth deployment and the worker then spent its time in full GCs,
     * answering the control plane late. 512-byte blocks, none kept.
     */
    private final FileSystem files = Jimfs.newFileSystem(Configuration.unix().toBuilder()
            .setBlockSize(512)
            .setMaxCacheSize(0)
            .build());

    private final ExecutorService pool;
    private final ScheduledExecutorService timer;
    private final List<Agent> agents = new ArrayList<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final AtomicInteger started = new AtomicInteger();

    public SimulatedFleet(Spec spec) {
        this.spec = spec;
        this.pool = Executors.newFixedThreadPool(spec.poolThreads(), daemons("sim-apply"));
        this.timer = Executors.newScheduledThreadPool(2, daemons("sim-timer"));
    }

    /**
     * Starts every agent ({@code enrollParallel} at a time) and returns once each has enrolled or
     * failed; {@code progress} hears the number started so far, about once a second.
     */
    public void start(Consumer<Integer> progress) throws InterruptedException {
        SimulatedWorkloads workloads = new SimulatedWorkloads(spec.behaviour(), Clock.systemUTC());
        AgentDependencies deps = AgentDependencies.defaults()
                .withWorkloads(workloads)
                .withHealth(workloads)
                .withStateStores(dir -> new MemoryStateStore())
                .withChannels(ChannelFactory.netty(spec.idleTimeout(), List.of(wire.clientInterceptor())))
                .withExecutors(AgentExecutors.shared(pool, timer))
                .withPushTracer(wire.serverTracer());
        List<AgentConfig> configs = new ArrayList<>();
        for (int i = spec.from(); i < spec.from() + spec.count(); i++) {
            configs.add(config(i));
        }
        ExecutorService starters = Executors.newFixedThreadPool(spec.enrollParallel(), daemons("sim-enroll"));
        List<Agent> made = new ArrayList<>();
        for (AgentConfig config : configs) {
            Agent agent = new Agent(config, deps);
            made.add(agent);
            starters.execute(() -> startOne(agent, config.name()));
        }
        synchronized (agents) {
            agents.addAll(made);
        }
        starters.shutdown();
        while (!starters.awaitTermination(1, TimeUnit.SECONDS)) {
            progress.accept(started.get());
        }
        progress.accept(started.get());
    }

    private AgentConfig config(int index) {
        String name = spec.namePrefix() + "-" + index;
        HostPort controlPlane =
                spec.controlPlanes().get(index % spec.controlPlanes().size());
        AgentConfig.Builder b = AgentConfig.builder(controlPlane, files.getPath("/agents", name))
                .enrollToken(spec.token())
                .name(name)
                .labels(spec.labels())
                .stopGrace(Duration.ofSeconds(1))
                .rpcTimeout(Duration.ofSeconds(30));
        if (spec.listenBasePort() >= 0) {
            int port = spec.listenBasePort() == 0 ? 0 : spec.listenBasePort() + index;
            b.listen(new HostPort("127.0.0.1", port));
        }
        return b.build();
    }

    private void startOne(Agent agent, String name) {
        try {
            agent.start();
            started.incrementAndGet();
        } catch (AgentException e) {
            failures.add(name + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add(name + ": interrupted while starting");
        } catch (RuntimeException e) {
            failures.add(name + ": " + e);
        }
    }

    /** Agents running now. */
    public int started() {
        return started.get();
    }

    /** Why agents failed to start, one line each. */
    public List<String> failures() {
        return List.copyOf(failures);
    }

    public WireCounter wire() {
        return wire;
    }

    /** Live threads of this JVM (the point of sharing: a few dozen, not a few per agent). */
    public static int liveThreads() {
        return Thread.activeCount();
    }

    @Override
    public void close() throws InterruptedException {
        List<Agent> all;
        synchronized (agents) {
            all = List.copyOf(agents);
        }
        ExecutorService closers = Executors.newFixedThreadPool(16, daemons("sim-close"));
        all.forEach(a -> closers.execute(a::close));
        closers.shutdown();
        boolean closed = closers.awaitTermination(10, TimeUnit.MINUTES);
        timer.shutdownNow();
        pool.shutdownNow();
        if (!closed) {
            // Agents still running would find their data dirs gone and log errors that are not
            // theirs; the file system is in memory and goes with the JVM.
            return;
        }
        try {
            files.close();
        } catch (IOException e) {
            // in memory: nothing to lose
        }
    }

    private static ThreadFactory daemons(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
