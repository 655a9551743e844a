package dev.tide.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.bench.support.Processes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Agents upgraded from the control plane: real agent processes started by their launcher, a real
 * application they run, and a next agent version that is the built jar with another version
 * stamped in. The upgrade keeps the application running; a jar that cannot start is reverted.
 */
class AgentUpgradeE2eTests extends FleetTest {
    private static final Duration DEPLOY = Duration.ofSeconds(120);
    private static final String JAR = "application/java-archive";

    @Test
    void agentsUpgradeInWavesKeepTheirAppsAndABrokenJarIsReverted() throws Exception {
        fleet.environment("up-push", "PUSH", false, 30);
        fleet.environment("up-pull", "PULL", true, 30);
        AgentProcess pushed = fleet.launchedAgent("up-push", "upp-1");
        AgentProcess pulled = fleet.launchedAgent("up-pull", "upl-1");
        await().atMost(Duration.ofSeconds(60))
                .failFast("an agent exited", () -> !pushed.isAlive() || !pulled.isAlive())
                .until(() -> fleet.nodes("up-push").size() == 1
                        && fleet.nodes("up-pull").size() == 1);
        String running = fleet.nodes("up-push").get(0).get("agentVersion").asString();

        fleet.application("hello-up", List.of());
        fleet.release("hello-up", "1.0.0", "/health");
        fleet.awaitDeployment(fleet.deploy("up-push", "hello-up", "1.0.0"), "SUCCEEDED", DEPLOY);
        fleet.awaitDeployment(fleet.deploy("up-pull", "hello-up", "1.0.0"), "SUCCEEDED", DEPLOY);
        List<Long> appPids = appPids();
        assertThat(appPids).hasSize(2);
        long pushedJvm = pushed.agentJvm().pid();

        // The next version: the same code with another version stamped in, as a new build would be.
        String next = running + "-next";
        String nextSha = fleet.api
                .upload(withVersion(next), JAR)
                .expect(201)
                .body()
                .get("sha256")
                .asString();
        agentApplication();
        fleet.api
                .post("/api/v1/applications/tide-agent/releases", Map.of("version", next, "artifactSha256", nextSha))
                .expect(201);
        for (String env : List.of("up-push", "up-pull")) {
            String id = fleet.deploy(
                    env, List.of(Map.of("application", "tide-agent", "version", next)), Map.of("batchSize", 1));
            fleet.awaitDeployment(id, "SUCCEEDED", DEPLOY);
            assertThat(fleet.nodes(env).get(0).get("agentVersion").asString()).isEqualTo(next);
        }
        assertThat(pushed.isAlive()).as("the launcher keeps running").isTrue();
        assertThat(pushed.agentJvm().pid()).as("a new agent JVM").isNotEqualTo(pushedJvm);
        assertThat(pushed.agentJvm().info().arguments().map(List::of).orElse(List.of()))
                .anySatisfy(arg -> assertThat(arg).contains("upgrade/jars/tide-agent-" + next));
        assertThat(appPids()).as("the applications kept running").isEqualTo(appPids);
        assertThat(fleet.answer(pushed.appPort)).contains("1.0.0");
        assertThat(fleet.answer(pulled.appPort)).contains("1.0.0");

        // A jar that does not start: the launcher goes back to the previous one, which reports why.
        String broken = running + "-broken";
        String brokenSha = fleet.api
                .upload(jarWithoutItsMainClass(), JAR)
                .expect(201)
                .body()
                .get("sha256")
                .asString();
        fleet.api
                .post(
                        "/api/v1/applications/tide-agent/releases",
                        Map.of("version", broken, "artifactSha256", brokenSha))
                .expect(201);
        String id = fleet.deploy(
                "up-pull",
                List.of(Map.of("application", "tide-agent", "version", broken)),
                Map.of("autoRollback", false));
        JsonNode failed = fleet.awaitDeployment(id, "FAILED", DEPLOY);
        assertThat(failed.get("targets").get(0).get("error").asString()).contains("exited with code 1", "reverted");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode node = fleet.nodes("up-pull").get(0);
            assertThat(node.get("agentVersion").asString()).isEqualTo(next);
        });
        assertThat(pulled.isAlive()).isTrue();
        assertThat(appPids()).isEqualTo(appPids);
        assertThat(fleet.answer(pulled.appPort)).contains("1.0.0");
    }

    @Test
    void anAgentReleaseIsAJarAndNothingElse() throws Exception {
        String sha = fleet.uploadHello(); // a tar.gz
        agentApplication();
        JsonNode problem = fleet.api
                .post(
                        "/api/v1/applications/tide-agent/releases",
                        Map.of("version", "9.9.9", "artifactSha256", sha, "start", List.of("java", "-jar", "x.jar")))
                .expect(400)
                .body();
        assertThat(problem.toString()).contains("start", "must be left out");
        problem = fleet.api
                .post("/api/v1/applications/tide-agent/releases", Map.of("version", "9.9.9", "artifactSha256", sha))
                .expect(400)
                .body();
        assertThat(problem.toString()).contains("artifactSha256", "agent jar");
    }

    private static synchronized void agentApplication() {
        if (fleet.api.get("/api/v1/applications/tide-agent").status() == 404) {
            fleet.application("tide-agent", List.of());
        }
    }

    private static List<Long> appPids() {
        return fleet.applicationProcesses().stream()
                .map(ProcessHandle::pid)
                .sorted()
                .toList();
    }

    /** The agent jar with {@code version} in its version.properties. */
    private static byte[] withVersion(String version) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(Processes.AGENT_JAR));
                ZipOutputStream zip = new ZipOutputStream(out)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                zip.putNextEntry(new ZipEntry(e.getName()));
                if (e.getName().equals("dev/tide/agent/version.properties")) {
                    zip.write(("version=" + version + "\n").getBytes(StandardCharsets.UTF_8));
                } else {
                    copy(in, zip);
                }
                zip.closeEntry();
            }
        }
        return out.toByteArray();
    }

    /** A jar whose manifest names a class it does not hold: java exits with 1 at once. */
    private static byte[] jarWithoutItsMainClass() throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "dev.tide.agent.cli.Missing");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.putNextEntry(new ZipEntry("README"));
            jar.write("not an agent".getBytes(StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        return out.toByteArray();
    }

    private static void copy(InputStream in, ZipOutputStream out) throws IOException {
        in.transferTo(out);
    }
}
