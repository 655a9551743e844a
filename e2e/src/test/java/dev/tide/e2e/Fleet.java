package dev.tide.e2e;

import static org.awaitility.Awaitility.await;

import dev.tide.bench.support.Api;
import dev.tide.bench.support.ControlPlaneProcess;
import dev.tide.bench.support.Processes;
import dev.tide.bench.support.TarGz;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A control plane plus agents for one test class, with the steps an operator takes: create an
 * environment, enroll agents, upload the example application, release and deploy it. Every
 * process it starts (including the applications the agents run) is stopped in {@link #close}.
 */
final class Fleet implements AutoCloseable {
    /** Marks the applications started for this run, so they can be found and stopped. */
    final String runId = UUID.randomUUID().toString().substring(0, 8);

    final Path dir;
    final ControlPlaneProcess controlPlane;
    final Api api;
    private final List<AgentProcess> agents = new ArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private String compiledHelloSha;

    Fleet(Path dir) {
        this(dir, List.of());
    }

    /** With Spring arguments for the control plane added to the test timings, e.g. shorter windows. */
    Fleet(Path dir, List<String> controlPlaneArguments) {
        this.dir = dir;
        this.controlPlane =
                new ControlPlaneProcess(dir).arguments(controlPlaneArguments).start();
        this.api = controlPlane.admin();
    }

    void environment(String name, String mode, boolean watch, int intervalSeconds) {
        api.post(
                        "/api/v1/environments",
                        Map.of(
                                "name", name,
                                "mode", mode,
                                "watch", watch,
                                "pullIntervalSeconds", intervalSeconds,
                                "pullJitterSeconds", 0))
                .expect(201);
    }

    /**
     * An environment for a benchmark mode: {@code push}, {@code watch} (pull with long-poll) or
     * {@code interval<N>} (pull every N seconds, no jitter).
     */
    void environmentForMode(String name, String benchMode) {
        switch (benchMode) {
            case "push" -> environment(name, "PUSH", false, 30);
            case "watch" -> environment(name, "PULL", true, 30);
            default -> {
                if (!benchMode.matches("interval[1-9][0-9]*")) {
                    throw new IllegalArgumentException(
                            "unknown mode '" + benchMode + "': use push, watch or interval<seconds>");
                }
                environment(name, "PULL", false, Integer.parseInt(benchMode.substring("interval".length())));
            }
        }
    }

    String enrollmentToken(String environment) {
        return api.post("/api/v1/environments/" + environment + "/enrollment-tokens", Map.of())
                .expect(201)
                .body()
                .get("token")
                .asString();
    }

    /** Starts {@code count} agents enrolled in {@code environment} and waits until all are nodes. */
    List<AgentProcess> agents(String environment, String prefix, int count) {
        List<AgentProcess> started = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            started.add(agent(environment, prefix + "-" + i));
        }
        await().atMost(Duration.ofSeconds(60 + 3L * count))
                .pollInterval(Duration.ofMillis(250))
                .failFast("an agent exited", () -> started.stream().anyMatch(a -> !a.isAlive()))
                .until(() -> nodes(environment).size() >= count);
        return started;
    }

    AgentProcess agent(String environment, String name) {
        return enrolledAgent(enrollmentToken(environment), name);
    }

    /** Starts an agent that enrolls with {@code token}, e.g. one an operator created in the console. */
    AgentProcess enrolledAgent(String token, String name, String... extraArgs) {
        AgentProcess agent = new AgentProcess(controlPlane, token, name, dir.resolve("agents/" + name))
                .withArgs(extraArgs)
                .start();
        agents.add(agent);
        return agent;
    }

    /** An agent started through its launcher, which restarts it when it upgrades itself. */
    AgentProcess launchedAgent(String environment, String name) {
        return launchedAgent(environment, name, Processes.AGENT_JAR);
    }

    /** An agent of the jar {@code jar} started through its launcher. */
    AgentProcess launchedAgent(String environment, String name, Path jar) {
        AgentProcess agent = new AgentProcess(
                        controlPlane, enrollmentToken(environment), name, dir.resolve("agents/" + name))
                .withJar(jar)
                .startWithLauncher();
        agents.add(agent);
        return agent;
    }

    /** Keeps {@code agent} among those {@link #close} stops. */
    AgentProcess started(AgentProcess agent) {
        agents.add(agent.start());
        return agent;
    }

    /** The same agent (same data dir and ports) started again after a stop. */
    AgentProcess restart(AgentProcess old) {
        AgentProcess again = old.again().start();
        agents.add(again);
        return again;
    }

    /** The same agent started again through its launcher after a stop. */
    AgentProcess relaunch(AgentProcess old) {
        AgentProcess again = old.again().startWithLauncher();
        agents.add(again);
        return again;
    }

    List<JsonNode> nodes(String environment) {
        List<JsonNode> out = new ArrayList<>();
        api.get("/api/v1/nodes?size=1000&environment=" + environment)
                .expect(200)
                .body()
                .get("items")
                .forEach(out::add);
        return out;
    }

    /**
     * The example app, compiled ahead of time, packed as a tar.gz (start it with {@code java -cp .
     * Hello}): it starts in a fraction of a second, where {@code java Hello.java} compiles it
     * first, at about a second and a half of CPU for every start.
     */
    String uploadHello() throws IOException {
        return uploadCompiledHello();
    }

    /** The example app compiled ahead of time, so it starts in a fraction of a second. */
    String uploadCompiledHello() throws IOException {
        if (compiledHelloSha == null) {
            Path classes = compiledHello();
            TarGz tar = new TarGz();
            try (var files = Files.list(classes)) {
                for (Path f : files.toList()) {
                    tar.file(f.getFileName().toString(), Files.readAllBytes(f));
                }
            }
            compiledHelloSha =
                    api.upload(tar.build()).expect(201).body().get("sha256").asString();
        }
        return compiledHelloSha;
    }

    /** A new folder holding the example app's compiled classes (start it with {@code java -cp . Hello}). */
    Path compiledHello() throws IOException {
        Path classes = Files.createTempDirectory(dir, "hello-classes");
        int rc = javax.tools.ToolProvider.getSystemJavaCompiler()
                .run(null, null, null, "-d", classes.toString(), Processes.HELLO.toString());
        if (rc != 0) {
            throw new IllegalStateException("javac failed on " + Processes.HELLO);
        }
        return classes;
    }

    /**
     * A release of the compiled example app listening on the node label {@code portLabel},
     * unhealthy on the nodes named in {@code unhealthyOn}.
     */
    void compiledRelease(String app, String version, String portLabel, List<String> unhealthyOn) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", version);
        body.put("artifactSha256", uploadCompiledHello());
        body.put(
                "start",
                List.of(
                        Processes.JAVA,
                        "-Xmx32m",
                        "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC",
                        "-Dtide.e2e=" + runId,
                        "-cp",
                        ".",
                        "Hello"));
        body.put(
                "env",
                Map.of(
                        "PORT",
                        "${node.label." + portLabel + "}",
                        "APP_VERSION",
                        version,
                        "GREETING",
                        app,
                        "UNHEALTHY_ON",
                        String.join(",", unhealthyOn)));
        body.put(
                "healthCheck",
                Map.of(
                        "http",
                        Map.of("port", "${node.label." + portLabel + "}", "path", "/health"),
                        "timeoutSeconds",
                        10));
        api.post("/api/v1/applications/" + app + "/releases", body).expect(201);
    }

    /** An operator action on a deployment: pause, resume, cancel or rollback. */
    JsonNode act(String deploymentId, String action) {
        return api.post("/api/v1/deployments/" + deploymentId + "/" + action, Map.of())
                .expect(200)
                .body();
    }

    void application(String name, List<String> dependsOn) {
        api.post("/api/v1/applications", Map.of("name", name, "dependsOn", dependsOn))
                .expect(201);
    }

    /** A release of the example app answering on the node's {@code port} label. */
    void release(String app, String version, String healthPath) throws IOException {
        release(app, version, uploadHello(), healthPath, 30);
    }

    void release(String app, String version, String sha, String healthPath, int timeoutSeconds) {
        api.post("/api/v1/applications/" + app + "/releases", releaseBody(version, sha, healthPath, timeoutSeconds))
                .expect(201);
    }

    /**
     * A release signed with {@code key} as a release engineer would, outside the control plane: its
     * manifest is built from the same body the API receives (no dependencies).
     */
    void signedRelease(String app, String version, String sha, java.security.KeyPair key) {
        Map<String, Object> body = releaseBody(version, sha, "/health", 30);
        java.time.Instant issuedAt = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        @SuppressWarnings("unchecked")
        dev.tide.security.release.ReleaseManifest manifest = new dev.tide.security.release.ReleaseManifest(
                app,
                version,
                sha,
                (List<String>) body.get("start"),
                (Map<String, String>) body.get("env"),
                List.of(),
                Map.of(),
                dev.tide.security.release.ReleaseManifest.httpCheck("${node.label.port}", "/health", 30),
                null,
                List.of(),
                issuedAt);
        body.put(
                "signature",
                Map.of(
                        "keyId", dev.tide.security.release.ReleaseKeys.id(key.getPublic()),
                        "issuedAt", issuedAt.toString(),
                        "value",
                                java.util.Base64.getEncoder()
                                        .encodeToString(dev.tide.security.release.ReleaseKeys.sign(
                                                key.getPrivate(), manifest.canonical()))));
        api.post("/api/v1/applications/" + app + "/releases", body).expect(201);
    }

    /**
     * Makes {@code key} the environment's first release key set (version 1, signed by itself), as
     * a holder of the key would with {@code ./tide sign keys}.
     */
    void trustReleaseKey(String environment, java.security.KeyPair key, boolean requireSignatures) {
        java.time.Instant issuedAt = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        dev.tide.security.release.ReleaseKeySet keys = new dev.tide.security.release.ReleaseKeySet(
                environment,
                1,
                requireSignatures,
                List.of(dev.tide.security.release.ReleaseKeySet.TrustedKey.of(
                        key.getPublic().getEncoded(), "alice")),
                issuedAt);
        api.put(
                        "/api/v1/environments/" + environment + "/release-keys",
                        Map.of(
                                "version", 1,
                                "requireSignatures", requireSignatures,
                                "issuedAt", issuedAt.toString(),
                                "keys",
                                        List.of(Map.of(
                                                "name",
                                                "alice",
                                                "publicKey",
                                                java.util.Base64.getEncoder()
                                                        .encodeToString(
                                                                key.getPublic().getEncoded()))),
                                "signedBy", dev.tide.security.release.ReleaseKeys.id(key.getPublic()),
                                "signature",
                                        java.util.Base64.getEncoder()
                                                .encodeToString(dev.tide.security.release.ReleaseKeys.sign(
                                                        key.getPrivate(), keys.canonical()))))
                .expect(200);
    }

    private Map<String, Object> releaseBody(String version, String sha, String healthPath, int timeoutSeconds) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", version);
        body.put("artifactSha256", sha);
        body.put(
                "start",
                List.of(
                        Processes.JAVA,
                        "-Xmx48m",
                        "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC",
                        "-Dtide.e2e=" + runId,
                        "-cp",
                        ".",
                        "Hello"));
        body.put(
                "env",
                Map.of(
                        "PORT", "${node.label.port}",
                        "APP_VERSION", version,
                        "GREETING", "hello from ${node.name}"));
        body.put(
                "healthCheck",
                Map.of(
                        "http",
                        Map.of("port", "${node.label.port}", "path", healthPath),
                        "timeoutSeconds",
                        timeoutSeconds));
        return body;
    }

    String deploy(String environment, String app, String version) {
        return deploy(environment, List.of(Map.of("application", app, "version", version)), Map.of());
    }

    String deploy(String environment, List<Map<String, String>> releases, Map<String, Object> strategy) {
        return api.post(
                        "/api/v1/deployments",
                        Map.of("environment", environment, "releases", releases, "strategy", strategy))
                .expect(201)
                .body()
                .get("id")
                .asString();
    }

    JsonNode awaitDeployment(String id, String state, Duration within) {
        await().atMost(within)
                .pollInterval(Duration.ofMillis(250))
                .failFast("deployment ended otherwise", () -> {
                    String now = deployment(id).get("state").asString();
                    return !now.equals(state)
                            && List.of("SUCCEEDED", "FAILED", "CANCELLED", "ROLLED_BACK")
                                    .contains(now);
                })
                .until(() -> deployment(id).get("state").asString().equals(state));
        return deployment(id);
    }

    JsonNode deployment(String id) {
        return api.get("/api/v1/deployments/" + id).expect(200).body();
    }

    /** What the example app answers on {@code /}, or null when nothing answers. */
    String answer(int port) {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Every application process started for this run. */
    List<ProcessHandle> applicationProcesses() {
        String marker = "-Dtide.e2e=" + runId;
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .toList();
    }

    String diagnostics() {
        StringBuilder sb = new StringBuilder("control plane:\n").append(Processes.tail(controlPlane.log, 30));
        agents.forEach(
                a -> sb.append("\n--- agent ").append(a.name).append(":\n").append(a.logTail()));
        return sb.toString();
    }

    /** Stops every agent and application started so far; the control plane keeps running. */
    void stopAgents() {
        agents.forEach(AgentProcess::close);
        agents.clear();
        applicationProcesses().forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public void close() {
        stopAgents();
        controlPlane.close();
    }
}
