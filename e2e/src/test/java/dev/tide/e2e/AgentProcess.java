package dev.tide.e2e;

import dev.tide.bench.support.ControlPlaneProcess;
import dev.tide.bench.support.Processes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One tide-agent.jar process with its own data directory and push listener. */
final class AgentProcess implements AutoCloseable {
    /**
     * The JVM flags the systemd unit, the container image and {@code ./tide demo} run the agent
     * with (docs/configuration.md, "The agent's JVM flags"; PackagingTests keeps them equal).
     */
    static final List<String> JVM_FLAGS = List.of(
            "-Xms8m",
            "-Xmx128m",
            "-Xmn3m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData",
            "-Dio.grpc.netty.shaded.io.netty.allocator.type=unpooled");

    final String name;
    final Path dataDir;
    final int listenPort;
    final int appPort;
    /** A second port, for a second application on the same node (label {@code port2}). */
    final int appPort2;

    final Path log;
    private final ControlPlaneProcess controlPlane;
    private final String token;
    /** Where the agent dials the control plane: its gRPC port, or a proxy in front of it. */
    private String controlPlaneTarget;
    /** Flags added to the usual ones, e.g. {@code --check-interval 1s}. */
    private final List<String> extraArgs = new ArrayList<>();
    /** The agent jar the launcher starts. */
    private Path jar = Processes.AGENT_JAR;

    private Process process;

    AgentProcess(ControlPlaneProcess controlPlane, String token, String name, Path dataDir) {
        this(controlPlane, token, name, dataDir, Processes.freePort(), Processes.freePort(), Processes.freePort());
    }

    AgentProcess(
            ControlPlaneProcess controlPlane,
            String token,
            String name,
            Path dataDir,
            int listenPort,
            int appPort,
            int appPort2) {
        this.controlPlane = controlPlane;
        this.token = token;
        this.name = name;
        this.dataDir = dataDir;
        this.listenPort = listenPort;
        this.appPort = appPort;
        this.appPort2 = appPort2;
        this.log = dataDir.resolveSibling(name + ".log");
        this.controlPlaneTarget = controlPlane.grpcTarget();
    }

    /** Dials the control plane at {@code target} (e.g. a {@link TcpProxy}); before {@link #start}. */
    AgentProcess via(String target) {
        controlPlaneTarget = target;
        return this;
    }

    /** Adds flags to those the agent starts with; before {@link #start}. */
    AgentProcess withArgs(String... args) {
        extraArgs.addAll(List.of(args));
        return this;
    }

    /** Has {@link #startWithLauncher} start this jar instead of the built one. */
    AgentProcess withJar(Path jar) {
        this.jar = jar;
        return this;
    }

    /**
     * The same agent (name, data dir, ports, jar, control-plane address) to start again after it
     * stopped; it does not enroll again.
     */
    AgentProcess again() {
        return new AgentProcess(controlPlane, null, name, dataDir, listenPort, appPort, appPort2)
                .via(controlPlaneTarget)
                .withJar(jar)
                .withArgs(extraArgs.toArray(String[]::new));
    }

    AgentProcess start() {
        List<String> cmd = new ArrayList<>(List.of(Processes.JAVA));
        cmd.addAll(JVM_FLAGS);
        // Extra JVM flags for a benchmark's agents, e.g. to profile them with JFR.
        String extra = System.getProperty("tide.bench.agent-jvm-options", "").trim();
        if (!extra.isEmpty()) {
            cmd.addAll(List.of(extra.split("\\s+")));
        }
        cmd.addAll(List.of("-jar", Processes.AGENT_JAR.toString()));
        cmd.addAll(agentArgs());
        process = Processes.start(cmd, log, Map.of());
        return this;
    }

    /**
     * Starts the agent through its launcher (node-agent/src/main/dist/tide-agent), as the systemd
     * unit and the container do: the launcher starts it again when it upgrades itself.
     */
    AgentProcess startWithLauncher() {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(agentArgs());
        process = Processes.start(cmd, log, Map.of("TIDE_AGENT_JAR", jar.toString()));
        return this;
    }

    static final Path LAUNCHER = Processes.ROOT.resolve("node-agent/src/main/dist/tide-agent");

    /** The agent JVM: the process itself, or the launcher's child. */
    ProcessHandle agentJvm() {
        return process.toHandle()
                .children()
                .filter(p -> p.info().command().map(c -> c.endsWith("java")).orElse(false))
                .findFirst()
                .orElse(process.toHandle());
    }

    private List<String> agentArgs() {
        List<String> cmd = new ArrayList<>(List.of(
                "--control-plane",
                controlPlaneTarget,
                "--name",
                name,
                "--data-dir",
                dataDir.toString(),
                "--listen",
                "127.0.0.1:" + listenPort,
                "--label",
                "port=" + appPort,
                "--label",
                "port2=" + appPort2,
                "--stop-apps-on-exit"));
        if (token != null) {
            cmd.addAll(List.of("--enroll-token", token));
        }
        cmd.addAll(extraArgs);
        return cmd;
    }

    /** CPU time the agent process has used so far (user + system); 0 where the system does not say. */
    long cpuMillis() {
        return process.toHandle()
                .info()
                .totalCpuDuration()
                .map(java.time.Duration::toMillis)
                .orElse(0L);
    }

    /** The running process, for its pid and /proc figures. */
    ProcessHandle handle() {
        return process.toHandle();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    int waitForExit(long seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("agent " + name + " did not exit:\n" + Processes.tail(log, 20));
        }
        return process.exitValue();
    }

    /** Stops the agent abruptly; the applications it started keep running. */
    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    String logTail() {
        return Processes.tail(log, 30);
    }

    @Override
    public void close() {
        Processes.stop(process, 20);
    }
}
