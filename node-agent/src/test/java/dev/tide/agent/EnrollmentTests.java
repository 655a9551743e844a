package dev.tide.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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
        assertThat(json).contains(FakeControlPlane.NODE_ID).doesNotContain(FakeControlPlane.ENROLL_SECRET);
        // The key was made here and stays here: only a certificate request travelled.
        Path key = dir.resolve("tls/node.key");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("tls"))))
                .isEqualTo("rwx------");
        assertThat(request.getCsr().isEmpty()).isFalse();
        assertThat(request.getToken()).isEqualTo(FakeControlPlane.ENROLL_SECRET); // the CA pin stays on the node
        java.security.PrivateKey privateKey = dev.tide.security.Pem.parsePrivateKey(Files.readString(key));
        assertThat(request.toByteString().toStringUtf8())
                .doesNotContain(new String(privateKey.getEncoded(), java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(dev.tide.security.ca.CertificateAuthority.verifyRequest(
                        request.getCsr().toByteArray()))
                .isEqualTo(agent.identityCertificate().getPublicKey());
        await().until(() -> cp.authorizedCalls.get() > 0); // polls present the node certificate
        agent.close();

        Agent again = harness.start(harness.config().enrollToken(null).build());

        assertThat(cp.enrollments).hasSize(1);
        assertThat(again.identity().nodeId()).isEqualTo(FakeControlPlane.NODE_ID);
        int before = cp.authorizedCalls.get();
        await().until(() -> cp.authorizedCalls.get() > before);
        assertThat(cp.rejectedCredentials).isEmpty();
    }

    @Test
    void anAgentRefusesAControlPlaneUnderAnotherCaThanTheTokenPins() {
        String otherPin = dev.tide.security.Fingerprints.sha256(dev.tide.security.ca.CertificateAuthority.generate(
                        "someone else", java.time.Duration.ofDays(1), java.time.Clock.systemUTC())
                .certificate());

        assertThatThrownBy(() -> harness.start(harness.config()
                        .enrollToken(FakeControlPlane.ENROLL_SECRET + "." + otherPin)
                        .build()))
                .isInstanceOf(AgentException.class)
                .hasMessageContaining("TLS handshake")
                .hasMessageContaining("CA fingerprint");
        assertThat(cp.enrollments).isEmpty(); // nothing was sent
        assertThat(dir.resolve("identity.json")).doesNotExist();
    }

    @Test
    void aRetriedEnrollmentAsksForTheSameKey() throws Exception {
        cp.dropEnrollmentReplies(1); // the first reply is lost on the way back

        harness.start();

        assertThat(cp.enrollments).hasSize(2);
        assertThat(cp.enrollments.get(1).getCsr())
                .isEqualTo(cp.enrollments.get(0).getCsr());
        assertThat(dir.resolve("tls/pending.key")).doesNotExist();
    }

    @Test
    void theCertificateIsRenewedBeforeItExpiresAndUsedForTheNextCalls() throws Exception {
        cp.issueCertificatesFor(java.time.Duration.ofSeconds(40)); // due at once: a third of its life is left

        Agent agent = harness.start();
        java.security.cert.X509Certificate first = agent.identityCertificate();

        await().atMost(java.time.Duration.ofSeconds(30)).until(() -> !cp.renewals.isEmpty());
        await().until(() -> !agent.identityCertificate().equals(first));
        int before = cp.authorizedCalls.get();
        await().until(() -> cp.authorizedCalls.get() > before);
        assertThat(cp.rejectedCredentials).isEmpty();
        assertThat(agent.identityCertificate().getPublicKey()).isNotEqualTo(first.getPublicKey()); // a new key
    }

    @Test
    void aPushedNodeRenewsOverItsSession() throws Exception {
        cp.setSchedule(FakeControlPlane.push());
        cp.issueCertificatesFor(java.time.Duration.ofSeconds(40)); // due at once

        Agent agent = harness.start(
                harness.config().listen(new HostPort("127.0.0.1", 0)).build());
        try (dev.tide.agent.support.PushClient session =
                new dev.tide.agent.support.PushClient(agent.pushAddress().orElseThrow())) {
            dev.tide.proto.agent.v1.AgentMessage request = session.next(
                    dev.tide.proto.agent.v1.AgentMessage::hasCertificateRequest, java.time.Duration.ofSeconds(30));
            String chain = cp.issue(request.getCertificateRequest().getCsr().toByteArray());
            session.send(dev.tide.proto.agent.v1.ControlMessage.newBuilder()
                    .setCertificateIssued(dev.tide.proto.agent.v1.CertificateIssued.newBuilder()
                            .setCertificateChainPem(chain))
                    .build());

            java.security.cert.X509Certificate issued =
                    dev.tide.security.Pem.parseCertificates(chain).get(0);
            await().until(() -> agent.identityCertificate().equals(issued));
        }
        assertThat(cp.polls).isEmpty(); // pushed: it never polled
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
