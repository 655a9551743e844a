package dev.tide.e2e;

import dev.tide.bench.support.TarGz;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.ToLongFunction;
import tools.jackson.databind.JsonNode;

/**
 * The 50-agent real-process job: real agent JVMs, each deploying a small Python HTTP app (unpack,
 * switch, start, the port answers), the job a user would otherwise give Ansible.
 *
 * <p>Each round starts a fresh fleet of idle agents in a new environment, then measures, by the
 * wall clock of this process:
 *
 * <ul>
 *   <li><b>install</b>: from the start of the artifact upload until every instance answers on its
 *       port with the new version;
 *   <li><b>upgrade</b>: the same for a new artifact replacing the running app;
 *   <li><b>succeeded lag</b>: from the last instance answering until the deployment's
 *       {@code finishedAt}.
 * </ul>
 *
 * It then splits each deployment into phases from the deployment's timestamps and the agents' own
 * log lines, the slowest node per phase boundary, so a regression shows where it is.
 *
 * <p>First it measures the floor: the same number of apps started at once with no deployment
 * tool, until each answers. On a small machine that, not Tide, bounds the figures above.
 *
 * <p>Run: {@code ./mvnw -q -pl e2e exec:java -Dexec.mainClass=dev.tide.e2e.RealFleetJob
 * -Dexec.classpathScope=test -Dexec.args="50 3 push,watch"} (agents, rounds, modes; 0 rounds
 * measures only the floor).
 */
public final class RealFleetJob {
    private static final String APP = "job";
    private static final String APP_PY = """
            import http.server, os, sys
            BODY = ("hello from " + os.environ["NODE"] + " " + os.environ["APP_VERSION"] + "\\n").encode()
            class Handler(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"
                def do_GET(self):
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(BODY)))
                    self.end_headers()
                    self.wfile.write(BODY)
                def log_message(self, *args):
                    pass
            http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
            """;

    /** One measured deployment. */
    record Run(long totalMillis, long succeededLagMillis, long agentCpuMillis, Map<String, Long> phases) {}

    public static void main(String[] args) {
        BenchMain.run(args, RealFleetJob::run);
    }

    private static void run(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<String> modes = List.of((args.length > 2 ? args[2] : "push,watch").split(","));
        String python = python();
        Path dir = Files.createTempDirectory("tide-realfleet");
        List<String> summary = new ArrayList<>();
        summary.add(floor(python, dir, agents));
        try (Fleet fleet = new Fleet(dir)) {
            fleet.application(APP, List.of());
            for (String mode : modes) {
                List<Run> installs = new ArrayList<>();
                List<Run> upgrades = new ArrayList<>();
                for (int r = 1; r <= rounds; r++) {
                    String env = "job-" + mode + "-" + r;
                    fleet.environmentForMode(env, mode);
                    List<AgentProcess> started = fleet.agents(env, env, agents);
                    awaitOnline(fleet, env, agents);
                    awaitQuietMachine(); // agents long up and idle, as before a real deployment
                    Run install = deploy(fleet, python, env, started, "1.0." + r + "-" + mode);
                    Run upgrade = deploy(fleet, python, env, started, "2.0." + r + "-" + mode);
                    print(mode, r, "install", install);
                    print(mode, r, "upgrade", upgrade);
                    installs.add(install);
                    upgrades.add(upgrade);
                    fleet.stopAgents();
                }
                if (rounds > 0) {
                    summary.add(summarize(mode, agents, "install", installs));
                    summary.add(summarize(mode, agents, "upgrade", upgrades));
                }
            }
        }
        System.out.println();
        summary.forEach(System.out::println);
    }

    /**
     * The floor for this machine: the same {@code agents} apps started at once by plain
     * ProcessBuilder, with no deployment tool, until every port answers (median of 3).
     */
    private static String floor(String python, Path dir, int agents) throws IOException, InterruptedException {
        Path app = Files.writeString(dir.resolve("floor-app.py"), APP_PY);
        List<Long> runs = new ArrayList<>();
        for (int run = 0; run < 3; run++) {
            List<Integer> ports = new ArrayList<>();
            List<Process> started = new ArrayList<>();
            long t0 = System.currentTimeMillis();
            for (int i = 0; i < agents; i++) {
                int port = dev.tide.bench.support.Processes.freePort();
                ports.add(port);
                ProcessBuilder pb = new ProcessBuilder(python, app.toString()).redirectErrorStream(true);
                pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
                pb.environment().putAll(Map.of("PORT", String.valueOf(port), "APP_VERSION", "0", "NODE", "n" + i));
                started.add(pb.start());
            }
            long last = t0;
            for (int port : ports) {
                while (!awaitAnswer(port, " 0\n")) {
                    Thread.sleep(20);
                }
                last = Math.max(last, System.currentTimeMillis());
            }
            runs.add(last - t0);
            started.forEach(Process::destroyForcibly);
            for (Process p : started) {
                p.waitFor();
            }
        }
        return String.format(
                "floor: %d python apps started at once without Tide answer after %d ms (median of 3)",
                agents, median(runs));
    }

    /** The Python interpreter itself, not a version manager's shim that runs a shell first. */
    private static String python() throws IOException, InterruptedException {
        String configured = System.getProperty("tide.bench.python");
        if (configured != null) {
            return configured;
        }
        Process p = new ProcessBuilder("python3", "-c", "import sys; print(sys.executable)")
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.waitFor() != 0 || out.isEmpty()) {
            throw new IllegalStateException("python3 is needed for this benchmark: " + out);
        }
        return out;
    }

    private static void awaitOnline(Fleet fleet, String env, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (fleet.api
                        .get("/api/v1/nodes?size=1&online=true&environment=" + env)
                        .expect(200)
                        .body()
                        .get("totalItems")
                        .asLong()
                < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("agents did not come online:\n" + fleet.diagnostics());
            }
            Thread.sleep(200);
        }
    }

    /**
     * Waits until the machine is mostly idle (under a quarter of its CPU busy over 2 s): 50 agent
     * JVMs that just started spend a minute or two loading and compiling before they settle.
     */
    static void awaitQuietMachine() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        long[] before = cpuTicks();
        while (System.nanoTime() < deadline) {
            Thread.sleep(2000);
            long[] now = cpuTicks();
            double busy = 1.0 - (double) (now[1] - before[1]) / Math.max(1, now[0] - before[0]);
            before = now;
            if (busy < 0.25) {
                return;
            }
        }
        System.out.println("warning: the machine did not become idle; measuring anyway");
    }

    /** Total and idle (idle + iowait) jiffies of all CPUs, from /proc/stat. */
    private static long[] cpuTicks() throws IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        return new long[] {total, Long.parseLong(f[4]) + Long.parseLong(f[5])};
    }

    private static Run deploy(Fleet fleet, String python, String env, List<AgentProcess> agents, String version)
            throws Exception {
        String marker = "-Dtide.e2e=" + fleet.runId;
        AtomicLongArray answered = new AtomicLongArray(agents.size());
        CountDownLatch all = new CountDownLatch(agents.size());
        String expected = " " + version + "\n";
        long cpuBefore = agents.stream().mapToLong(AgentProcess::cpuMillis).sum();
        long t0 = System.currentTimeMillis();
        List<Thread> watchers = new ArrayList<>();
        for (int i = 0; i < agents.size(); i++) {
            int index = i;
            int port = agents.get(i).appPort;
            Thread w = new Thread(
                    () -> {
                        if (awaitAnswer(port, expected)) {
                            answered.set(index, System.currentTimeMillis());
                            all.countDown();
                        }
                    },
                    "watch-" + port);
            w.setDaemon(true);
            w.start();
            watchers.add(w);
        }

        // What a user does: upload the packed app, release it, deploy it.
        byte[] tgz = new TarGz().file("app.py", APP_PY + "# " + version + "\n").build();
        String sha = fleet.api.upload(tgz).expect(201).body().get("sha256").asString();
        Map<String, Object> release = new LinkedHashMap<>();
        release.put("version", version);
        release.put("artifactSha256", sha);
        release.put("start", List.of(python, "app.py", marker));
        release.put("env", Map.of("PORT", "${node.label.port}", "APP_VERSION", version, "NODE", "${node.name}"));
        release.put(
                "healthCheck", Map.of("http", Map.of("port", "${node.label.port}", "path", "/"), "timeoutSeconds", 60));
        fleet.api.post("/api/v1/applications/" + APP + "/releases", release).expect(201);
        String id = fleet.deploy(env, List.of(Map.of("application", APP, "version", version)), Map.of());

        if (!all.await(5, TimeUnit.MINUTES)) {
            watchers.forEach(Thread::interrupt);
            throw new IllegalStateException("not every instance answered " + version + ":\n" + fleet.diagnostics());
        }
        long lastAnswer = 0;
        for (int i = 0; i < agents.size(); i++) {
            lastAnswer = Math.max(lastAnswer, answered.get(i));
        }
        JsonNode d = fleet.awaitDeployment(id, "SUCCEEDED", Duration.ofMinutes(5));
        long finished = millis(d.get("finishedAt"));
        long agentCpu = agents.stream().mapToLong(AgentProcess::cpuMillis).sum() - cpuBefore;
        return new Run(
                lastAnswer - t0,
                finished - lastAnswer,
                agentCpu / agents.size(),
                phases(t0, d, version, agents, answered));
    }

    /**
     * Each phase boundary as the slowest node reaches it, in ms after the upload started, from
     * the deployment's timestamps and each agent's log.
     */
    private static Map<String, Long> phases(
            long t0, JsonNode d, String version, List<AgentProcess> agents, AtomicLongArray answered)
            throws IOException {
        Map<String, JsonNode> targets = new LinkedHashMap<>();
        d.get("targets").forEach(t -> targets.put(t.get("node").asString(), t));
        long created = millis(d.get("createdAt"));
        List<long[]> rows = new ArrayList<>();
        for (int i = 0; i < agents.size(); i++) {
            AgentProcess a = agents.get(i);
            JsonNode t = targets.get(a.name);
            long gen = t.get("generation").asLong();
            rows.add(new long[] {
                millis(t.get("desiredAt")),
                millis(t.get("deliveredAt")),
                logged(a.log, "applying generation " + gen + " "),
                logged(a.log, "started " + APP + "@" + version + " as pid"),
                answered.get(i),
                logged(a.log, APP + "@" + version + " is healthy"),
                millis(t.get("healthyAt")),
            });
        }
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("api (upload, release, deploy)", created - t0);
        String[] names = {
            "desired", "delivered", "agent applying", "app started", "app answers", "agent saw healthy", "cp healthy"
        };
        for (int c = 0; c < names.length; c++) {
            int col = c;
            out.put(names[c], max(rows, r -> r[col]) - t0);
        }
        out.put("succeeded", millis(d.get("finishedAt")) - t0);
        return out;
    }

    private static long max(List<long[]> rows, ToLongFunction<long[]> f) {
        return rows.stream().mapToLong(f).max().orElse(0);
    }

    /** When the agent last logged a line containing {@code needle}; 0 if it did not. */
    private static long logged(Path log, String needle) throws IOException {
        long at = 0;
        for (String line : Files.readAllLines(log)) {
            if (line.contains(needle)) {
                at = OffsetDateTime.parse(line.substring(0, line.indexOf(' ')))
                        .toInstant()
                        .toEpochMilli();
            }
        }
        return at;
    }

    private static long millis(JsonNode instant) {
        return Instant.parse(instant.asString()).toEpochMilli();
    }

    /**
     * Waits until the app on {@code port} answers with a body ending in {@code expected}; false if
     * interrupted. Cheap enough not to disturb what it measures: while nothing listens it tries
     * every 20 ms (a refused connect costs little), and while the old version answers it asks once
     * and then blocks on that kept-alive connection until the old process dies and closes it.
     */
    private static boolean awaitAnswer(int port, String expected) {
        while (!Thread.currentThread().isInterrupted()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
                OutputStream out = s.getOutputStream();
                out.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                InputStream in = s.getInputStream();
                String body = response(in);
                if (body != null && body.endsWith(expected)) {
                    return true;
                }
                while (in.read() >= 0) {
                    // the old version: wait here until its process goes away
                }
            } catch (IOException e) {
                // not listening (yet), or the old process just went away
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return false;
            }
        }
        return false;
    }

    /** The body of a 200 response with a Content-Length, or null. */
    private static String response(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            head.append((char) c);
        }
        String headers = head.toString();
        if (!headers.startsWith("HTTP/1.1 200")) {
            return null;
        }
        int at = headers.toLowerCase(java.util.Locale.ROOT).indexOf("content-length:");
        if (at < 0) {
            return null;
        }
        int length = Integer.parseInt(
                headers.substring(at + 15, headers.indexOf('\r', at)).trim());
        return new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    private static void print(String mode, int round, String what, Run run) {
        StringBuilder sb = new StringBuilder(String.format(
                "%-6s round %d %-7s: every instance answering after %5d ms, SUCCEEDED %4d ms later, agent CPU %d ms each |",
                mode, round, what, run.totalMillis(), run.succeededLagMillis(), run.agentCpuMillis()));
        run.phases().forEach((k, v) -> sb.append(' ').append(k).append(' ').append(v));
        System.out.println(sb);
    }

    private static String summarize(String mode, int agents, String what, List<Run> runs) {
        StringBuilder sb = new StringBuilder(String.format(
                "%-6s %d agents %-7s median of %d: every instance answering %5d ms, SUCCEEDED %4d ms later,"
                        + " agent CPU %d ms each%n",
                mode,
                agents,
                what,
                runs.size(),
                median(runs.stream().map(Run::totalMillis).toList()),
                median(runs.stream().map(Run::succeededLagMillis).toList()),
                median(runs.stream().map(Run::agentCpuMillis).toList())));
        sb.append("         slowest node reaches, ms after the upload started (median):");
        for (String phase : runs.get(0).phases().keySet()) {
            sb.append(String.format(
                    "%n           %-30s %6d",
                    phase, median(runs.stream().map(r -> r.phases().get(phase)).toList())));
        }
        return sb.toString();
    }

    private static long median(List<Long> values) {
        return ConvergeBench.median(values);
    }
}
