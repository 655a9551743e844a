package dev.tide.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.bench.support.Processes;
import dev.tide.cli.Io;
import dev.tide.cli.TideCli;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code tide} CLI against a real control plane and real agents, as an operator uses it: log
 * in, create an environment and an enrollment token (which the agents enroll with), push the
 * example application as a folder, release it, and deploy it with {@code --wait}, once to success
 * and once to an automatic rollback, each ending with the exit code of its outcome. Bad input ends
 * with a message naming the problem and a non-zero exit, never a stack trace. The scenarios build
 * on each other, so they run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CliE2eTests {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ENV = "cli-push";

    @TempDir
    static Path dir;

    static Fleet fleet;
    static Path home;
    static String firstDeployment;

    /** What one CLI run printed and returned. */
    record Run(int code, String out, String err) {
        JsonNode json() {
            return JSON.readTree(out);
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
        }
    }

    @BeforeAll
    static void startControlPlane() throws IOException {
        fleet = new Fleet(dir);
        home = Files.createDirectories(dir.resolve("home"));
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    @Order(1)
    void logsInWithAPasswordAndKeepsOnlyAnApiTokenInAPrivateFile() throws IOException {
        Run run = tide(
                dev.tide.bench.support.ControlPlaneProcess.ADMIN_PASSWORD + "\n",
                "login",
                fleet.controlPlane.base(),
                "--username",
                "admin",
                "--password-stdin",
                "--context",
                "e2e");

        assertThat(run.code()).as(run.toString()).isZero();
        assertThat(run.out()).contains("Logged in to " + fleet.controlPlane.base() + " as admin");
        Path config = home.resolve(".config/tide/config.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config.getParent())))
                .isEqualTo("rwx------");
        String stored = Files.readString(config);
        assertThat(stored)
                .contains("tide_api_")
                .doesNotContain(dev.tide.bench.support.ControlPlaneProcess.ADMIN_PASSWORD);
        assertThat(tide(null, "context", "list").out())
                .containsPattern("\\*\\s+e2e\\s+" + fleet.controlPlane.base() + "\\s+admin");
    }

    @Test
    @Order(2)
    void createsAnEnvironmentWhoseEnrollmentTokenTheAgentsUse() {
        assertThat(tide(null, "env", "create", ENV, "--mode", "push", "--push-max-parallel", "10")
                        .code())
                .isZero();
        Run token = tide(null, "env", "tokens", "create", ENV, "--max-uses", "2", "-o", "json");
        assertThat(token.code()).as(token.toString()).isZero();

        fleet.enrolledAgent(token.json().get("token").asString(), "cli-1");
        fleet.enrolledAgent(token.json().get("token").asString(), "cli-2");
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> fleet.nodes(ENV).size() == 2);

        Run nodes = tide(null, "node", "list", "-e", ENV);
        assertThat(nodes.out()).contains("NAME", "AGENT", "cli-1", "cli-2");
        assertThat(tide(null, "node", "show", "cli-1").out()).contains("environment:", ENV);
        assertThat(tide(null, "env", "list").out()).containsPattern(ENV + " +PUSH");
        Run tokens = tide(null, "env", "tokens", "list", ENV);
        assertThat(tokens.out()).contains("USED", "2/2");
    }

    @Test
    @Order(3)
    void deploysTheExampleAppPushedAsAFolderAndWaitsForItToSucceed() throws IOException {
        assertThat(tide(null, "app", "create", "hello").code()).isZero();
        Path classes = fleet.compiledHello();

        Run release = release("1.0.0", classes, "");
        assertThat(release.code()).as(release.toString()).isZero();
        assertThat(tide(null, "release", "list", "hello").out()).contains("1.0.0");

        Run deploy =
                tide(null, "deploy", "create", ENV, "hello=1.0.0", "--batch-size", "1", "--wait", "--timeout", "2m");

        assertThat(deploy.code()).as(deploy.toString()).isZero();
        assertThat(deploy.out())
                .as("a plain line per change, no ANSI codes when stdout is not a terminal")
                .contains("stage 0 wave 0  cli-", "stage 0 wave 1  cli-", "hello: HEALTHY", "deployment SUCCEEDED")
                .doesNotContain("\033[");
        assertThat(deploy.out().lines().filter(l -> l.startsWith("Deployment ")).findFirst())
                .hasValueSatisfying(summary ->
                        assertThat(summary).contains("SUCCEEDED", "2/2 targets healthy", "time to healthy: median"));
        assertThat(fleet.answer(portOf("cli-1"))).contains("version 1.0.0");
        firstDeployment = tide(null, "deploy", "list", "-e", ENV, "-o", "json")
                .json()
                .get(0)
                .get("id")
                .asString();
        assertThat(tide(null, "deploy", "show", firstDeployment).out()).contains("SUCCEEDED", "STAGE");
        // The event stream ended cleanly on the server too: its last (async) dispatch was not denied.
        await().during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(5))
                .until(() -> !Files.readString(fleet.controlPlane.log).contains("response is already committed"));
    }

    @Test
    @Order(4)
    void aFailedDeploymentRolledBackExitsWithItsOwnCode() throws IOException {
        Run release = release("1.1.0", fleet.compiledHello(), "cli-2");
        assertThat(release.code()).as(release.toString()).isZero();

        Run deploy = tide(
                null,
                "deploy",
                "create",
                ENV,
                "hello=1.1.0",
                "--batch-size",
                "1",
                "--failure-threshold",
                "0",
                "--auto-rollback",
                "--wait");

        assertThat(deploy.code()).as(deploy.toString()).isEqualTo(4);
        assertThat(deploy.out()).contains("hello: FAILED", "deployment ROLLED_BACK", "cli-2 hello: ROLLED_BACK");
        assertThat(fleet.answer(portOf("cli-1"))).contains("version 1.0.0");

        Run again = tide(null, "deploy", "show", firstDeployment, "--wait", "-o", "json");
        assertThat(again.code()).as("a finished deployment answers at once").isZero();
        assertThat(again.json().get("state").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    @Order(5)
    void signsAReleaseWithTheReleasersOwnKey() throws Exception {
        java.security.KeyPair alice = dev.tide.security.release.ReleaseKeys.generate();
        Path key = dir.resolve("alice.key");
        Files.writeString(
                key,
                dev.tide.security.Pem.privateKey(alice.getPrivate())
                        + dev.tide.security.Pem.publicKey(alice.getPublic()));
        fleet.trustReleaseKey(ENV, alice, false);

        String artifact = tide(null, "release", "show", "hello", "1.0.0", "-o", "json")
                .json()
                .get("artifactSha256")
                .asString();
        Run signed = tide(
                null,
                "release",
                "create",
                "hello",
                "2.0.0",
                "--artifact",
                artifact,
                "--env",
                "A=b",
                "--sign-key",
                key.toString(),
                "-o",
                "json",
                "--",
                "bin/hello");

        assertThat(signed.code()).as(signed.toString()).isZero();
        assertThat(signed.json().get("signed").asBoolean()).isTrue();
        assertThat(signed.json().at("/signature/keyId").asString())
                .isEqualTo(dev.tide.security.release.ReleaseKeys.id(alice.getPublic()));
    }

    @Test
    @Order(6)
    void comparesAndAuditsWhatHappened() {
        Run compare = tide(null, "compare", ENV);
        assertThat(compare.code()).as(compare.toString()).isZero();
        assertThat(compare.out()).contains("median to healthy", "ROLLED_BACK", ENV);

        Run audit = tide(null, "audit", "--action", "deployment.create", "-o", "json");
        assertThat(audit.code()).as(audit.toString()).isZero();
        assertThat(audit.json().get("items")).hasSize(2);
    }

    @Test
    @Order(7)
    void badInputIsNamedAndEndsWithANonZeroExitNeverAStackTrace() {
        Run unknownEnv = tide(null, "env", "show", "nope");
        assertThat(unknownEnv.code()).isEqualTo(1);
        assertThat(unknownEnv.err()).contains("Not found (HTTP 404)", "nope");

        Run invalid = tide(null, "release", "create", "hello", "bad version!", "--artifact", "f".repeat(64), "--", "x");
        assertThat(invalid.code()).isEqualTo(1);
        assertThat(invalid.err()).contains("Invalid input (HTTP 400):", "  version: ");

        Run missingFile =
                tide(null, "artifact", "push", dir.resolve("no-such-dir").toString());
        assertThat(missingFile.code()).isEqualTo(2);
        assertThat(missingFile.err()).contains("no-such-dir: no such file or directory");

        Run badFlag = tide(null, "deploy", "create", ENV, "hello=1.0.0", "--canary=many");
        assertThat(badFlag.code()).isEqualTo(2);
        assertThat(badFlag.err()).contains("--canary", "many");

        Run badRelease = tide(null, "deploy", "create", ENV, "hello");
        assertThat(badRelease.code()).isEqualTo(2);
        assertThat(badRelease.err()).contains("'hello' is not APP=VERSION");

        for (Run r : List.of(unknownEnv, invalid, missingFile, badFlag, badRelease)) {
            assertThat(r.err()).doesNotContain("\tat ", "Exception");
        }
    }

    @Test
    @Order(8)
    void theRunnableJarWorksAsAProcess() throws Exception {
        Path jar = Processes.ROOT.resolve("cli/target/tide-cli.jar");
        ProcessBuilder pb = new ProcessBuilder(
                        Processes.JAVA, "-jar", jar.toString(), "deploy", "list", "-e", ENV, "-o", "json")
                .redirectErrorStream(true);
        pb.environment().put("XDG_CONFIG_HOME", home.resolve(".config").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(JSON.readTree(out)).hasSize(2);
    }

    @Test
    @Order(9)
    void logoutRevokesTheTokenLoginCreated() {
        String token = JSON.readTree(readConfig()).at("/contexts/e2e/token").asString();
        assertThat(tide(null, "logout").code()).isZero();

        Run withOldToken = tide(null, "env", "list", "--url", fleet.controlPlane.base(), "--token", token);
        assertThat(withOldToken.code()).isEqualTo(1);
        assertThat(withOldToken.err()).contains("HTTP 401");
        assertThat(tide(null, "env", "list").err()).contains("not logged in");
    }

    private static Run release(String version, Path classes, String unhealthyOn) {
        return tide(
                null,
                "release",
                "create",
                "hello",
                version,
                "--artifact",
                classes.toString(),
                "--env",
                "PORT=${node.label.port}",
                "--env",
                "APP_VERSION=" + version,
                "--env",
                "UNHEALTHY_ON=" + unhealthyOn,
                "--health-http",
                "${node.label.port}/health",
                "--health-timeout",
                "5",
                "--",
                Processes.JAVA,
                "-Xmx32m",
                "-XX:TieredStopAtLevel=1",
                "-XX:+UseSerialGC",
                "-Dtide.e2e=" + fleet.runId,
                "-cp",
                ".",
                "Hello");
    }

    private static int portOf(String node) {
        return fleet.nodes(ENV).stream()
                .filter(n -> n.get("name").asString().equals(node))
                .findFirst()
                .map(n -> Integer.parseInt(n.at("/labels/port").asString()))
                .orElseThrow();
    }

    private static String readConfig() {
        try {
            return Files.readString(home.resolve(".config/tide/config.json"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the CLI in this JVM, as a user with {@link #home} as home and no terminal. */
    private static Run tide(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Io io = new Io(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                new ByteArrayInputStream((stdin == null ? "" : stdin).getBytes(StandardCharsets.UTF_8)),
                Map.of("HOME", home.toString()),
                false,
                Clock.systemUTC(),
                ZoneOffset.UTC);
        int code = TideCli.run(io, new ArrayList<>(List.of(args)).toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }
}
