import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * {@code ./tide demo}: a control plane on its embedded PostgreSQL, a PUSH and a PULL (watch)
 * environment with two agents each, and the example application deployed to both. Everything
 * runs from this machine's JDK; state lives under {@code .tide/}; Ctrl-C stops it all.
 *
 * <p>{@code ./tide demo --replicas 2} runs a second control-plane replica on the first one's
 * database (HTTP and gRPC ports one above the first's): the push nodes are shared between the
 * replicas by push leases, and the second pull agent polls the second replica.
 *
 * <p>A single-file program (run with {@code java TideDemo.java}) so it needs no build and no
 * tools beyond the JDK: no curl, no tar.
 */
public final class TideDemo {
    static final Path ROOT = Paths.get("").toAbsolutePath();
    static final Path STATE = ROOT.resolve(".tide");
    static final String JAVA = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    static final int HTTP_PORT = intEnv("TIDE_DEMO_HTTP_PORT", 8080);
    static final int GRPC_PORT = intEnv("TIDE_DEMO_GRPC_PORT", 9090);

    /** One demo agent: where it listens for pushes and where its app instance answers. */
    record AgentSpec(String environment, String name, int listenPort, int appPort) {}

    static final List<AgentSpec> AGENTS = List.of(
            new AgentSpec("demo-push", "push-1", 7071, 8101),
            new AgentSpec("demo-push", "push-2", 7072, 8102),
            new AgentSpec("demo-pull", "pull-1", 7073, 8103),
            new AgentSpec("demo-pull", "pull-2", 7074, 8104));

    private final List<Process> processes = new ArrayList<>();
    private int replicas = 1;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private String auth;

    public static void main(String[] args) throws Exception {
        TideDemo demo = new TideDemo();
        try {
            demo.parse(args);
        } catch (DemoException e) {
            System.err.println("tide demo: " + e.getMessage());
            System.err.println("usage: ./tide demo [--replicas N]   (N from 1 to 3; default 1)");
            System.exit(2);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(demo::stopAll, "tide-demo-stop"));
        try {
            demo.run();
        } catch (DemoException e) {
            System.err.println("\ntide demo: " + e.getMessage());
            System.exit(1);
        }
        Thread.currentThread().join(); // until Ctrl-C
    }

    void parse(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            if (arg.startsWith("--replicas=")) {
                value = arg.substring("--replicas=".length());
            } else if (arg.equals("--replicas") && i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new DemoException("unknown argument " + arg);
            }
            try {
                replicas = Integer.parseInt(value);
            } catch (NumberFormatException e) {
                throw new DemoException("--replicas needs a number, not '" + value + "'");
            }
            if (replicas < 1 || replicas > 3) {
                throw new DemoException("--replicas must be 1, 2 or 3, not " + replicas);
            }
        }
    }

    /** The gRPC port replica {@code index} (0 for the first) listens on. */
    static int grpcPort(int index) {
        return GRPC_PORT + index;
    }

    void run() throws Exception {
        Files.createDirectories(STATE.resolve("logs"));
        for (int r = 0; r < replicas; r++) {
            requireFree(HTTP_PORT + r, "the HTTP port of control-plane replica " + (r + 1) + " (set TIDE_DEMO_HTTP_PORT)");
            requireFree(grpcPort(r), "the gRPC port of control-plane replica " + (r + 1) + " (set TIDE_DEMO_GRPC_PORT)");
        }
        for (AgentSpec a : AGENTS) {
            requireFree(a.listenPort(), "agent " + a.name() + "'s push listener");
            requireFree(a.appPort(), "the example app of " + a.name());
        }

        step("Starting the control plane (embedded PostgreSQL under .tide/control-plane)");
        processes.add(start(
                "control-plane",
                List.of(CONTROL_PLANE_LAUNCHER, "--server.port=" + HTTP_PORT, "--spring.grpc.server.port=" + GRPC_PORT),
                withLaunchCache(Map.of(
                        "TIDE_DATA_DIR", STATE.resolve("control-plane").toString(),
                        "TIDE_CLUSTER_REPLICA_ID", "replica-1",
                        // with replicas, every one serves every artifact: keep them in the database
                        "TIDE_ARTIFACTS_STORE", replicas > 1 ? "database" : "filesystem"))));
        waitFor("the control plane to answer", Duration.ofSeconds(180), () -> status(HTTP_PORT, "/actuator/health") == 200);
        if (replicas > 1) {
            // The embedded PostgreSQL runs beside the first replica; the others use it as a real
            // deployment's replicas use one external server (docs/configuration.md).
            Matcher port = Pattern.compile("embedded PostgreSQL in .* on port (\\d+)")
                    .matcher(Files.readString(STATE.resolve("logs/control-plane.log")));
            String dbPort = null;
            while (port.find()) {
                dbPort = port.group(1); // the log is appended to across runs: the last start's
            }
            if (dbPort == null) {
                throw new DemoException("the first replica's log does not name its database port");
            }
            for (int r = 1; r < replicas; r++) {
                int httpPort = HTTP_PORT + r;
                step("Starting control-plane replica " + (r + 1) + " (HTTP " + httpPort + ", gRPC " + grpcPort(r)
                        + ") on the same database");
                processes.add(start(
                        "control-plane-" + (r + 1),
                        List.of(
                                CONTROL_PLANE_LAUNCHER,
                                "--server.port=" + httpPort,
                                "--spring.grpc.server.port=" + grpcPort(r)),
                        withLaunchCache(Map.of(
                                "TIDE_DATA_DIR", STATE.resolve("control-plane-" + (r + 1)).toString(),
                                "TIDE_CLUSTER_REPLICA_ID", "replica-" + (r + 1),
                                "TIDE_ARTIFACTS_STORE", "database",
                                "SPRING_DATASOURCE_URL", "jdbc:postgresql://localhost:" + dbPort + "/postgres",
                                "SPRING_DATASOURCE_USERNAME", "postgres"))));
                waitFor(
                        "replica " + (r + 1) + " to answer",
                        Duration.ofSeconds(180),
                        () -> status(httpPort, "/actuator/health") == 200);
            }
        }
        String password = System.getenv("TIDE_ADMIN_PASSWORD");
        if (password == null || password.isBlank()) {
            password = Files.readString(STATE.resolve("control-plane/admin-password")).trim();
        }
        auth = "Basic " + Base64.getEncoder().encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));

        step("Creating environments: demo-push (PUSH) and demo-pull (PULL with long-poll watch)");
        ensure("/api/v1/environments", "{\"name\":\"demo-push\",\"mode\":\"PUSH\",\"description\":\"Tide demo: push\"}");
        ensure(
                "/api/v1/environments",
                "{\"name\":\"demo-pull\",\"mode\":\"PULL\",\"watch\":true,\"pullIntervalSeconds\":15,"
                        + "\"description\":\"Tide demo: pull with watch\"}");

        step("Starting 4 agents (state under .tide/agents)");
        int pulls = 0;
        for (AgentSpec a : AGENTS) {
            // Pull agents are spread over the replicas, as a load balancer would; every push agent is
            // dialled by the one replica that holds its push lease.
            int replica = a.environment().equals("demo-pull") ? pulls++ % replicas : 0;
            Path dataDir = STATE.resolve("agents").resolve(a.name());
            // Through the launcher, as the systemd unit and the image: the JVM flags of
            // docs/configuration.md, and a restart into a new version after a self-upgrade.
            List<String> cmd = new ArrayList<>(List.of(
                    ROOT.resolve("node-agent/src/main/dist/tide-agent").toString(),
                    "--control-plane",
                    "127.0.0.1:" + grpcPort(replica),
                    "--name",
                    a.name(),
                    "--data-dir",
                    dataDir.toString(),
                    "--listen",
                    "127.0.0.1:" + a.listenPort(),
                    "--label",
                    "port=" + a.appPort(),
                    "--stop-apps-on-exit"));
            if (!Files.exists(dataDir.resolve("identity.json"))) {
                String token = field(call("POST", "/api/v1/environments/" + a.environment() + "/enrollment-tokens", "{}", 201), "token");
                cmd.addAll(List.of("--enroll-token", token));
            }
            processes.add(start(
                    "agent-" + a.name(),
                    cmd,
                    Map.of(
                            "TIDE_AGENT_JAR", ROOT.resolve("node-agent/target/tide-agent.jar").toString(),
                            "JAVA_HOME", System.getProperty("java.home"))));
        }
        waitFor("the agents to enroll", Duration.ofSeconds(60), () -> count(call("GET", "/api/v1/nodes", null, 200), "\"id\"") >= AGENTS.size());

        step("Uploading the example application (deploy/examples/hello) and creating release hello@1.0.0");
        byte[] tgz = tarGz("Hello.java", Files.readString(ROOT.resolve("deploy/examples/hello/Hello.java")));
        String sha = field(upload(tgz), "sha256");
        ensure("/api/v1/applications", "{\"name\":\"hello\",\"description\":\"Tide's example HTTP service\"}");
        ensure(
                "/api/v1/applications/hello/releases",
                "{\"version\":\"1.0.0\",\"artifactSha256\":\"" + sha + "\","
                        + "\"start\":[\"" + json(JAVA) + "\",\"-Xmx48m\",\"Hello.java\"],"
                        + "\"env\":{\"PORT\":\"${node.label.port}\",\"APP_VERSION\":\"1.0.0\","
                        + "\"GREETING\":\"Hello (${environment.name})\"},"
                        + "\"healthCheck\":{\"http\":{\"port\":\"${node.label.port}\",\"path\":\"/health\"},\"timeoutSeconds\":60}}");

        step("Deploying hello@1.0.0 to both environments");
        Map<String, String> deployments = new java.util.LinkedHashMap<>();
        for (String env : List.of("demo-push", "demo-pull")) {
            String body = "{\"environment\":\"" + env + "\",\"releases\":[{\"application\":\"hello\",\"version\":\"1.0.0\"}]}";
            String answer = call("POST", "/api/v1/deployments", body, -1);
            if (answer.contains("\"status\":409")) {
                System.out.println("  " + env + ": a deployment is still running there; not starting another");
                continue;
            }
            deployments.put(env, field(answer, "id"));
        }
        for (var e : deployments.entrySet()) {
            waitFor("the " + e.getKey() + " deployment to finish", Duration.ofSeconds(180), () -> {
                String state = field(call("GET", "/api/v1/deployments/" + e.getValue(), null, 200), "state");
                return !state.equals("PENDING") && !state.equals("RUNNING");
            });
            String d = call("GET", "/api/v1/deployments/" + e.getValue(), null, 200);
            System.out.printf(
                    "  %-9s %s  median time to healthy %s ms, slowest %s ms%n",
                    e.getKey(), field(d, "state"), number(d, "medianConvergeMillis"), number(d, "maxConvergeMillis"));
        }

        System.out.println();
        System.out.println("Tide is running.");
        System.out.println("  Web console:  http://localhost:" + HTTP_PORT + "/");
        for (int r = 1; r < replicas; r++) {
            System.out.println("  Replica " + (r + 1) + ":    http://localhost:" + (HTTP_PORT + r)
                    + "/ (gRPC " + grpcPort(r) + "), on the same database");
        }
        if (replicas > 1) {
            System.out.println("  Push leases:  tide_push_leases_held on each replica's /actuator/prometheus");
        }
        System.out.println("  REST API:     http://localhost:" + HTTP_PORT + "/api/v1   (OpenAPI: /v3/api-docs)");
        System.out.println("  Metrics:      http://localhost:" + HTTP_PORT + "/actuator/prometheus");
        System.out.println("  Credentials:  admin / " + password);
        System.out.println("  Agents (gRPC) connect to localhost:" + GRPC_PORT);
        System.out.println("  The example app answers on:");
        for (AgentSpec a : AGENTS) {
            System.out.printf("    %-9s %-7s http://localhost:%d/%n", a.environment(), a.name(), a.appPort());
        }
        System.out.println("  Logs:         .tide/logs/   State: .tide/ (delete it to start afresh)");
        System.out.println("Press Ctrl-C to stop everything.");
    }

    // ---- processes ----

    /**
     * The control plane's launcher, as an operator runs it: the jar unpacked once and its classes
     * mapped from an archive that the first run writes as it stops (docs/install.md).
     */
    static final String CONTROL_PLANE_LAUNCHER =
            ROOT.resolve("control-plane/src/main/dist/tide-control-plane").toString();

    /** One launch cache for every replica, kept with the demo's state (and its Java runtime). */
    static Map<String, String> withLaunchCache(Map<String, String> env) {
        Map<String, String> all = new java.util.HashMap<>(env);
        all.put("TIDE_CONTROL_PLANE_JAR", ROOT.resolve("control-plane/target/tide-control-plane.jar").toString());
        all.put("TIDE_CONTROL_PLANE_CACHE_DIR", STATE.resolve("launch").toString());
        all.put("JAVA_HOME", System.getProperty("java.home"));
        return all;
    }

    Process start(String name, List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(STATE.resolve("logs/" + name + ".log").toFile()));
        pb.environment().putAll(env);
        return pb.start();
    }

    /** Agents first (they stop their apps), then the control plane. */
    void stopAll() {
        if (processes.isEmpty()) {
            return;
        }
        System.out.println("\nStopping Tide...");
        List<Process> reversed = new ArrayList<>(processes);
        java.util.Collections.reverse(reversed);
        reversed.forEach(Process::destroy);
        for (Process p : reversed) {
            try {
                // a control plane's first stop writes its class archive: give it the time once
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        System.out.println("Stopped.");
    }

    // ---- REST ----

    String call(String method, String path, String body, int expected) {
        try {
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + HTTP_PORT + path))
                    .timeout(Duration.ofSeconds(30))
                    .header("Authorization", auth)
                    .header("Content-Type", "application/json");
            r.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
            HttpResponse<String> response = http.send(r.build(), HttpResponse.BodyHandlers.ofString());
            if (expected > 0 && response.statusCode() != expected) {
                throw new DemoException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new DemoException(method + " " + path + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DemoException("interrupted");
        }
    }

    /** Creates a resource unless it already exists from an earlier demo run. */
    void ensure(String path, String body) {
        String answer = call("POST", path, body, -1);
        if (answer.contains("\"status\":") && !answer.contains("\"status\":409")) {
            throw new DemoException("POST " + path + " failed: " + answer);
        }
    }

    String upload(byte[] bytes) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + HTTP_PORT + "/api/v1/artifacts"))
                        .header("Authorization", auth)
                        .header("Content-Type", "application/gzip")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new DemoException("artifact upload answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    int status(int port, String path) {
        try {
            HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(3));
            return http.send(r.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    // ---- small helpers (no JSON library on purpose: the demo needs only the JDK) ----

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        if (!m.find()) {
            throw new DemoException("no '" + name + "' in answer: " + json);
        }
        return m.group(1);
    }

    static String number(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*(\\d+|null)").matcher(json);
        return m.find() ? m.group(1) : "?";
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    static String json(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    static void step(String what) {
        System.out.println("==> " + what);
    }

    void waitFor(String what, Duration limit, java.util.function.BooleanSupplier done) throws InterruptedException {
        Instant deadline = Instant.now().plus(limit);
        while (!done.getAsBoolean()) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new DemoException("a process exited while waiting for " + what + "; see .tide/logs/");
                }
            }
            if (Instant.now().isAfter(deadline)) {
                throw new DemoException("timed out waiting for " + what + "; see .tide/logs/");
            }
            Thread.sleep(300);
        }
    }

    static void requireFree(int port, String what) {
        try (ServerSocket s = new ServerSocket(port)) {
            s.setReuseAddress(true);
        } catch (IOException e) {
            throw new DemoException("port " + port + " (" + what + ") is in use; is another Tide demo running?");
        }
    }

    static int intEnv(String name, int fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
    }

    /** A one-file .tar.gz (ustar), written with the JDK alone. */
    static byte[] tarGz(String name, String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            byte[] data = content.getBytes(StandardCharsets.UTF_8);
            byte[] h = new byte[512];
            put(h, 0, name);
            put(h, 100, "0000644");
            put(h, 108, "0000000");
            put(h, 116, "0000000");
            put(h, 124, String.format("%011o", data.length));
            put(h, 136, String.format("%011o", Instant.now().getEpochSecond()));
            java.util.Arrays.fill(h, 148, 156, (byte) ' ');
            h[156] = '0';
            put(h, 257, "ustar");
            put(h, 263, "00");
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, String.format("%06o", sum) + "\0 ");
            gz.write(h);
            gz.write(data);
            gz.write(new byte[(512 - data.length % 512) % 512]);
            gz.write(new byte[1024]);
        }
        return bytes.toByteArray();
    }

    static void put(byte[] h, int offset, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(v, 0, h, offset, v.length);
    }

    /** A failure the demo explains in one line. */
    static final class DemoException extends RuntimeException {
        DemoException(String message) {
            super(message);
        }
    }
}
