package dev.tide.e2e;

import dev.tide.bench.support.Api;
import dev.tide.bench.support.ControlPlaneProcess;
import dev.tide.bench.support.Processes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one real agent costs a node: how long the agent takes to be ready, and how much memory its
 * JVM holds while idle, started the way the systemd unit, the image and {@code ./tide demo} start
 * it: through its launcher ({@code node-agent/src/main/dist/tide-agent}), with the launcher's JVM
 * flags ({@link AgentProcess#JVM_FLAGS}) and its class-data archive, which the first (enrolling)
 * run writes as it stops and the restart maps.
 *
 * <p>Against a real control plane (the jar, on its embedded PostgreSQL, default timings), each
 * round and each mode (a PUSH environment and a PULL environment with watch) starts one agent
 * twice:
 *
 * <ul>
 *   <li><b>enroll</b>: a first start with a token, from process start until its log says
 *       {@code agent NAME started} (key made, certificate issued, identity written, listener up);
 *   <li><b>restart</b>: the same data directory again, until the same line; in push mode also
 *       until {@code push session opened} (the control plane dialled it back);
 *   <li><b>idle RSS</b>: VmRSS from /proc/PID/status after {@code idleSeconds} of idling after
 *       the restart (in pull mode its long-poll is parked; in push mode its session is open).
 * </ul>
 *
 * The figures printed are medians over the rounds. {@code TIDE_AGENT_JAVA_OPTS} and {@code
 * TIDE_AGENT_CDS=off} in the bench's environment reach the launcher, to compare other settings.
 *
 * <p>Run: {@code ./mvnw -q -pl e2e exec:java -Dexec.mainClass=dev.tide.e2e.AgentFootprintBench
 * -Dexec.classpathScope=test -Dexec.args="5 30"} (rounds, idle seconds) after {@code ./mvnw
 * -DskipTests package}.
 */
public final class AgentFootprintBench {
    private static final String READY = "started (node ";
    private static final String SESSION = "push session opened";

    /** One start of one agent. */
    record Start(long readyMillis, long sessionMillis, long idleRssKb) {}

    public static void main(String[] args) {
        BenchMain.run(args, AgentFootprintBench::run);
    }

    private static void run(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int idleSeconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        if (!Files.exists(Processes.AGENT_JAR) || !Files.exists(Processes.CONTROL_PLANE_JAR)) {
            throw new IllegalStateException("build the jars first: ./mvnw -DskipTests package");
        }
        Path dir = Files.createTempDirectory("tide-footprint");
        System.out.printf(
                "agent JVM flags: %s %s; java %s; %d round(s), %d s idle%n",
                AgentProcess.JVM_FLAGS,
                System.getProperty("tide.bench.agent-jvm-options", ""),
                Runtime.version(),
                rounds,
                idleSeconds);
        try (ControlPlaneProcess controlPlane =
                new ControlPlaneProcess(dir).withDefaultTimings().start()) {
            Api api = controlPlane.admin();
            api.post("/api/v1/environments", Map.of("name", "footprint-push", "mode", "PUSH"))
                    .expect(201);
            api.post("/api/v1/environments", Map.of("name", "footprint-pull", "mode", "PULL", "watch", true))
                    .expect(201);
            List<String> lines = new ArrayList<>();
            for (String mode : List.of("push", "pull")) {
                List<Long> enroll = new ArrayList<>();
                List<Long> restart = new ArrayList<>();
                List<Long> session = new ArrayList<>();
                List<Long> rss = new ArrayList<>();
                RealFleetJob.awaitQuietMachine(); // a busy machine measures the other work, not the agent
                for (int round = 1; round <= rounds; round++) {
                    String name = mode + "-" + round;
                    String token = api.post("/api/v1/environments/footprint-" + mode + "/enrollment-tokens", Map.of())
                            .expect(201)
                            .body()
                            .get("token")
                            .asString();
                    Path data = dir.resolve("agents").resolve(name);
                    AgentProcess enrolling = new AgentProcess(controlPlane, token, name, data);
                    Start first = start(enrolling, false, 0);
                    // The same ports again: the control plane dials the push endpoint the agent enrolled with.
                    AgentProcess restarted = new AgentProcess(
                            controlPlane,
                            null,
                            name,
                            data,
                            enrolling.listenPort,
                            enrolling.appPort,
                            enrolling.appPort2);
                    Start again = start(restarted, mode.equals("push"), idleSeconds);
                    System.out.printf(
                            "%s round %d: enroll %d ms, restart %d ms, push session %s, idle RSS %d MB%n",
                            mode,
                            round,
                            first.readyMillis(),
                            again.readyMillis(),
                            again.sessionMillis() < 0 ? "-" : again.sessionMillis() + " ms",
                            again.idleRssKb() / 1024);
                    enroll.add(first.readyMillis());
                    restart.add(again.readyMillis());
                    session.add(again.sessionMillis());
                    rss.add(again.idleRssKb());
                }
                lines.add(String.format(
                        "%s: enroll %d ms, restart %d ms%s, idle RSS %.1f MB (medians of %d)",
                        mode,
                        ConvergeBench.median(enroll),
                        ConvergeBench.median(restart),
                        mode.equals("push") ? ", push session open " + ConvergeBench.median(session) + " ms" : "",
                        ConvergeBench.median(rss) / 1024.0,
                        rounds));
            }
            System.out.println();
            lines.forEach(System.out::println);
        }
    }

    /**
     * Starts the agent and times it from just before the process starts; with {@code idleSeconds}
     * it then idles that long and reads its RSS. The agent is stopped before this returns.
     */
    private static Start start(AgentProcess agent, boolean awaitSession, int idleSeconds) throws Exception {
        // A restart appends to the same log: look only at what this start writes.
        long offset = Files.exists(agent.log) ? Files.size(agent.log) : 0;
        long t0 = System.nanoTime();
        try (AgentProcess running = agent.startWithLauncher()) {
            long ready = awaitLine(running, offset, READY, t0);
            long session = awaitSession ? awaitLine(running, offset, SESSION, t0) : -1;
            if (idleSeconds == 0) {
                return new Start(ready, session, 0);
            }
            Thread.sleep(idleSeconds * 1000L);
            return new Start(ready, session, rssKb(running.agentJvm().pid()));
        }
    }

    /** Milliseconds from {@code t0} until the agent's log, after {@code offset} bytes, holds {@code text}. */
    private static long awaitLine(AgentProcess agent, long offset, String text, long t0) throws Exception {
        long deadline = t0 + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            byte[] log = Files.exists(agent.log) ? Files.readAllBytes(agent.log) : new byte[0];
            if (log.length > offset
                    && new String(log, (int) offset, log.length - (int) offset, StandardCharsets.UTF_8)
                            .contains(text)) {
                return (System.nanoTime() - t0) / 1_000_000;
            }
            if (!agent.isAlive()) {
                throw new IllegalStateException("agent exited:\n" + agent.logTail());
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("no '" + text + "' in the agent's log:\n" + agent.logTail());
    }

    /** Resident memory of a process, as the kernel counts it (heap, metaspace, code, stacks, mapped jars). */
    static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/" + pid + "/status");
    }

    private AgentFootprintBench() {}
}
