package dev.tide.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import dev.tide.agent.support.AgentHarness;
import dev.tide.agent.support.FakeControlPlane;
import dev.tide.agent.support.KillStartedProcesses;
import dev.tide.agent.support.TestApps;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.AppStatus;
import dev.tide.proto.agent.v1.CommandCheck;
import dev.tide.proto.agent.v1.HealthCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real agent keeps its own files from the applications it runs: an owner-only data dir, and a
 * release that names {@code run_as} started as that user. Needs root, as the agent does to switch.
 */
@ExtendWith(KillStartedProcesses.class)
class AppIsolationTests {
    private static final Duration START = Duration.ofSeconds(30);
    private static final long NOBODY = 65534;

    @TempDir
    Path dir;

    private AgentHarness harness;
    private FakeControlPlane cp;

    @BeforeEach
    void setUp() throws Exception {
        harness = new AgentHarness(dir.resolve("agent"));
        cp = harness.controlPlane;
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void anExistingDataDirOpenToOthersIsTightenedAtStart() throws Exception {
        harness.start().close();
        Path data = harness.dataDir;
        Path logs = Files.createDirectories(data.resolve("apps/old/logs"));
        for (Path p : List.of(data, data.resolve("apps"), data.resolve("apps/old"), logs)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        for (String file : List.of("state.json", "identity.json")) {
            Files.setPosixFilePermissions(data.resolve(file), PosixFilePermissions.fromString("rw-r--r--"));
        }

        harness.start(); // the same data dir, enrolled already

        assertThat(mode(data)).isEqualTo("rwx------");
        assertThat(mode(data.resolve("state.json"))).isEqualTo("rw-------");
        assertThat(mode(data.resolve("identity.json"))).isEqualTo("rw-------");
        assertThat(mode(data.resolve("apps/old"))).isEqualTo("rwx------");
        assertThat(mode(logs)).isEqualTo("rwx------");
    }

    @Test
    void aReleaseRunAsNobodyRunsAsNobodyAndCannotReadTheAgentsFiles() throws Exception {
        assumeThat(System.getProperty("user.name"))
                .as("the agent must be root to switch users")
                .isEqualTo("root");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x")); // as /var/lib is
        Agent agent = harness.start();
        Path data = harness.dataDir;
        String probe = String.join(
                "; ",
                "id -u",
                "cat " + data.resolve("state.json") + " > /dev/null 2>&1; echo state.json=$?",
                "cat " + data.resolve("identity.json") + " > /dev/null 2>&1; echo identity.json=$?",
                "ls " + data + " > /dev/null 2>&1; echo list=$?",
                "cat \"$PWD/conf/app.properties\"",
                "echo HOME=$HOME",
                "exec sleep 600");
        AppRelease release = release(List.of("sh", "-c", probe)).toBuilder()
                .setRunAs("nobody")
                .build();

        AppStatus status = settled(cp.publish(release));

        assertThat(status.getState()).as(status.getMessage()).isEqualTo(AppState.HEALTHY); // its check ran as nobody
        long pid = agent.state().apps().get("isolated").pid();
        assertThat(ProcessHandle.of(pid).flatMap(p -> p.info().user())).contains("nobody");
        await().until(() -> Files.readString(stdout()).contains("HOME="));
        assertThat(Files.readAllLines(stdout()))
                .containsSubsequence(
                        String.valueOf(NOBODY),
                        "state.json=1",
                        "identity.json=1",
                        "list=2",
                        "greeting=hello",
                        "HOME=/nonexistent");
        Path folder = data.resolve("apps/isolated/releases/1.0.0");
        assertThat(mode(folder)).isEqualTo("rwxr-x---");
        assertThat(Files.getAttribute(folder, "unix:gid")).isEqualTo((int) NOBODY);
        assertThat(mode(data)).isEqualTo("rwx-----x"); // others pass through, never list
        assertThat(mode(data.resolve("state.json"))).isEqualTo("rw-------");
        assertThat(mode(data.resolve("apps/isolated/logs"))).isEqualTo("rwx------");
    }

    @Test
    void runAsFailsClearlyWhenTheUserCannotReachTheDataDir() throws Exception {
        assumeThat(System.getProperty("user.name")).isEqualTo("root");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        harness.start();
        AppRelease release =
                release(List.of("sleep", "600")).toBuilder().setRunAs("nobody").build();

        AppStatus status = settled(cp.publish(release));

        assertThat(status.getState()).isEqualTo(AppState.FAILED);
        assertThat(status.getMessage())
                .contains("cannot run isolated as nobody")
                .contains(dir.toRealPath() + " above the data dir is not searchable by other users");
        assertThat(ProcessHandle.current().descendants()).isEmpty();
    }

    @Test
    void anUnknownRunAsUserFailsTheRelease() throws Exception {
        assumeThat(System.getProperty("user.name")).isEqualTo("root");
        harness.start();

        AppStatus status = settled(cp.publish(release(List.of("sleep", "600")).toBuilder()
                .setRunAs("no-such-user-here")
                .build()));

        assertThat(status.getState()).isEqualTo(AppState.FAILED);
        assertThat(status.getMessage()).contains("must run as no-such-user-here: no such user on this node");
    }

    private AppRelease release(List<String> start) {
        byte[] artifact = TestApps.tarGz(Map.of("README", "an app".getBytes()));
        String sha = cp.addArtifact(artifact);
        return AppRelease.newBuilder()
                .setApplication("isolated")
                .setVersion("1.0.0")
                .setReleaseId("rel-isolated")
                .setArtifactSha256(sha)
                .setArtifactSize(artifact.length)
                .setArtifactMediaType("application/gzip")
                .addAllStart(start)
                .putConfigFiles("conf/app.properties", "greeting=hello\n")
                .setHealthCheck(HealthCheck.newBuilder()
                        .setCommand(CommandCheck.newBuilder()
                                .addAllArgv(List.of("sh", "-c", "test \"$(id -u)\" = " + NOBODY)))
                        .setTimeoutSeconds(20))
                .build();
    }

    private AppStatus settled(long gen) {
        await().atMost(START)
                .until(() -> cp.latestReport()
                        .filter(r -> r.getAppliedGeneration() == gen)
                        .flatMap(r -> cp.status("isolated"))
                        .map(s -> s.getState() == AppState.HEALTHY || s.getState() == AppState.FAILED)
                        .orElse(false));
        return cp.status("isolated").orElseThrow();
    }

    private Path stdout() {
        return harness.dataDir.resolve("apps/isolated/logs/stdout.log");
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
