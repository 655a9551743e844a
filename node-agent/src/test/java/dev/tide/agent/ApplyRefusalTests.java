package dev.tide.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.agent.support.AgentHarness;
import dev.tide.agent.support.FakeControlPlane;
import dev.tide.agent.support.KillStartedProcesses;
import dev.tide.agent.support.TestApps;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.AppStatus;
import dev.tide.proto.agent.v1.Event;
import dev.tide.proto.agent.v1.EventType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Releases the agent must refuse, reported as APPLY_FAILED with a message naming the problem. */
@ExtendWith(KillStartedProcesses.class)
class ApplyRefusalTests {
    @TempDir
    Path dir;

    private AgentHarness harness;
    private FakeControlPlane cp;

    @BeforeEach
    void setUp() throws Exception {
        harness = new AgentHarness(dir.resolve("agent"));
        cp = harness.controlPlane;
        harness.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void anArtifactWithTheWrongSha256IsRefused() {
        byte[] real = TestApps.helloTarGz();
        String claimed = TestApps.hashOf("something else".getBytes());
        cp.addArtifactAs(claimed, real);

        AppStatus status = failedAfter(cp.publish(TestApps.hello("1.0.0", claimed, real.length, "/health", 5)));

        assertThat(status.getMessage()).contains("sha256 mismatch").contains(claimed);
        assertThat(failure().getMessage()).contains("sha256 mismatch");
        assertThat(harness.dataDir.resolve("apps/hello/releases/1.0.0")).doesNotExist();
        assertThat(harness.dataDir.resolve("artifacts/" + claimed)).doesNotExist();
        assertThat(harness.dataDir.resolve("artifacts/" + claimed + ".part")).doesNotExist();
    }

    @Test
    void anUnresolvablePlaceholderFailsTheApplyNamingIt() {
        byte[] artifact = TestApps.helloTarGz();
        String sha = cp.addArtifact(artifact);
        AppRelease release = TestApps.hello("1.0.0", sha, artifact.length, "/health", 5).toBuilder()
                .putEnv("REGION", "${node.label.region}")
                .build();

        AppStatus status = failedAfter(cp.publish(release));

        assertThat(status.getMessage()).contains("${node.label.region}").contains("env REGION");
        assertThat(failure().getMessage()).contains("${node.label.region}");
        assertThat(harness.dataDir.resolve("apps/hello/releases/1.0.0")).doesNotExist();
    }

    @Test
    void anArchiveEscapingItsFolderIsRefusedAndNothingIsWrittenOutside() {
        byte[] evil = TestApps.tarGz(out -> {
            byte[] bytes = "pwned".getBytes();
            TarArchiveEntry e = new TarArchiveEntry("../../../evil.txt", true);
            e.setSize(bytes.length);
            out.putArchiveEntry(e);
            out.write(bytes);
            out.closeArchiveEntry();
        });
        String sha = cp.addArtifact(evil);

        AppStatus status = failedAfter(cp.publish(TestApps.hello("1.0.0", sha, evil.length, "/health", 5)));

        assertThat(status.getMessage()).contains("../../../evil.txt");
        assertThat(dir.resolve("evil.txt")).doesNotExist();
        assertThat(harness.dataDir.resolve("apps/evil.txt")).doesNotExist();
        assertThat(harness.dataDir.resolve("apps/hello/releases")).isEmptyDirectory();
        assertThat(ProcessHandle.current().descendants()).isEmpty();
    }

    @Test
    void aSymlinkLeadingOutsideIsRefused() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        byte[] evil = TestApps.tarGz(out -> {
            TarArchiveEntry link = new TarArchiveEntry("data", TarArchiveEntry.LF_SYMLINK, true);
            link.setLinkName("../../../../outside");
            out.putArchiveEntry(link);
            out.closeArchiveEntry();
        });
        String sha = cp.addArtifact(evil);

        AppStatus status = failedAfter(cp.publish(TestApps.hello("1.0.0", sha, evil.length, "/health", 5)));

        assertThat(status.getMessage()).contains("symlink").contains("outside the release folder");
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void aGzipBombIsRefusedNamingTheLimitAndNothingUnpackedStays() {
        byte[] bomb = TestApps.gzipBomb(200L << 20);
        String sha = cp.addArtifact(bomb);

        AppStatus status = failedAfter(cp.publish(TestApps.hello("1.0.0", sha, bomb.length, "/health", 5)));

        assertThat(status.getMessage())
                .contains("decompresses to more than the unpack limit of 64 MiB")
                .contains("--unpack-max-size");
        assertThat(harness.dataDir.resolve("apps/hello/releases")).isEmptyDirectory();
        assertThat(ProcessHandle.current().descendants()).isEmpty();
    }

    private AppStatus failedAfter(long gen) {
        await().until(() -> cp.latestReport()
                .filter(r -> r.getAppliedGeneration() == gen)
                .flatMap(r -> cp.status("hello"))
                .map(s -> s.getState() == AppState.FAILED)
                .orElse(false));
        return cp.status("hello").orElseThrow();
    }

    private Event failure() {
        return cp.events().stream()
                .filter(e -> e.getType() == EventType.APPLY_FAILED)
                .findFirst()
                .orElseThrow();
    }
}
