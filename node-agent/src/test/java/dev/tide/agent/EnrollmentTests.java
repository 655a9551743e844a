package dev.tide.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.tide.agent.apply.Sha256;
import dev.tide.agent.support.AgentHarness;
import dev.tide.agent.support.FakeControlPlane;
import dev.tide.proto.agent.v1.EnrollRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnrollmentTests {
    @TempDir
    Path dir;

    private AgentHarness harness;
    private FakeControlPlane cp;

    @BeforeEach
    void setUp() throws Exception {
        harness = new AgentHarness(dir);
        cp = harness.controlPlane;
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void enrollsOnceSavesTheIdentityOwnerOnlyAndReusesItWithoutAToken() throws Exception {
        Agent agent = harness.start(
                harness.config().listen(new HostPort("127.0.0.1", 0)).build());

        assertThat(cp.enrollments).hasSize(1);
        EnrollRequest request = cp.enrollments.get(0);
        assertThat(request.getName()).isEqualTo("node-1");
        assertThat(request.getLabelsMap()).containsEntry("zone", "a");
        assertThat(request.getPushEndpoint())
                .isEqualTo(agent.pushAddress().orElseThrow().toString());
        assertThat(request.getAgentVersion()).isNotEmpty();
        Path identity = dir.resolve("identity.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(identity)))
                .isEqualTo("rw-------");
        String json = Files.readString(identity);
        assertThat(json)
                .contains(FakeControlPlane.NODE_ID)
                .contains(FakeControlPlane.NODE_CREDENTIAL)
                .contains(Sha256.hex(FakeControlPlane.SESSION_TOKEN.getBytes()))
                .doesNotContain(FakeControlPlane.SESSION_TOKEN)
                .doesNotContain(FakeControlPlane.ENROLL_TOKEN);
        await().until(() -> cp.authorizedCalls.get() > 0); // polls carry the node credential
        agent.close();

        Agent again = harness.start(harness.config().enrollToken(null).build());

        assertThat(cp.enrollments).hasSize(1);
        assertThat(again.identity().nodeId()).isEqualTo(FakeControlPlane.NODE_ID);
        int before = cp.authorizedCalls.get();
        await().until(() -> cp.authorizedCalls.get() > before);
        assertThat(cp.rejectedCredentials).isEmpty();
    }

    @Test
    void aRefusedEnrollmentStopsTheAgentWithAClearMessage() {
        cp.refuseEnrollment();

        assertThatThrownBy(() -> harness.start())
                .isInstanceOf(AgentException.class)
                .hasMessageContaining("enrollment refused")
                .hasMessageContaining("PERMISSION_DENIED")
                .hasMessageContaining("token is unknown, used or expired")
                .satisfies(e -> assertThat(((AgentException) e).exitCode()).isEqualTo(1));
        assertThat(dir.resolve("identity.json")).doesNotExist();
    }

    @Test
    void aFirstStartWithoutATokenIsBadInput() {
        assertThatThrownBy(
                        () -> harness.start(harness.config().enrollToken(null).build()))
                .isInstanceOf(AgentException.class)
                .hasMessageStartingWith("--enroll-token")
                .satisfies(e -> assertThat(((AgentException) e).exitCode()).isEqualTo(2));
        assertThat(cp.enrollments).isEmpty();
    }
}
