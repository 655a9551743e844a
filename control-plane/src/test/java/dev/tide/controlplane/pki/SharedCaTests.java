package dev.tide.controlplane.pki;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.system.SharedSecrets;
import dev.tide.security.Fingerprints;
import dev.tide.security.Pem;
import dev.tide.security.ca.CertificateAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Tide's own agent CA lives in the database, so that replicas on one database share it: the real
 * embedded PostgreSQL, each "replica" with its own data dir.
 */
class SharedCaTests extends IntegrationTest {
    private static final PkiProperties DEFAULTS = new PkiProperties(null, null, null, null, null, null);
    private final Clock clock = Clock.systemUTC();

    @Autowired
    SharedSecrets secrets;

    @Autowired
    ControlPlanePki pki;

    @TempDir
    Path dir;

    @Test
    void theRunningControlPlanesCaIsTheOneInTheDatabase() throws Exception {
        CertificateAuthority again = ControlPlanePki.shared(
                secrets, ControlPlanePki.CA_SECRET, dir.resolve("replica-2/pki"), DEFAULTS, clock);

        assertThat(Fingerprints.sha256(again.certificate())).isEqualTo(pki.caFingerprint());
        assertThat(dir.resolve("replica-2/pki")).doesNotExist();
    }

    @Test
    void replicasThatStartTogetherEndUpWithOneCa() throws Exception {
        String name = unique("ca");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<String>> replicas = List.of(1, 2, 3, 4).stream()
                    .map(i -> (Callable<String>) () -> Fingerprints.sha256(
                            ControlPlanePki.shared(secrets, name, dir.resolve("replica-" + i), DEFAULTS, clock)
                                    .certificate()))
                    .toList();
            List<String> fingerprints =
                    pool.invokeAll(replicas).stream().map(SharedCaTests::get).toList();
            assertThat(fingerprints).hasSize(4).containsOnly(fingerprints.get(0));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theCaFilesOfAnEarlierVersionMoveIntoTheDatabase() throws Exception {
        CertificateAuthority earlier = CertificateAuthority.generate("Tide agent CA", Duration.ofDays(30), clock);
        Path legacy = Files.createDirectories(dir.resolve("pki"));
        Files.writeString(legacy.resolve("ca.crt"), Pem.certificates(List.of(earlier.certificate())));
        Files.writeString(
                legacy.resolve("ca.key"), Pem.privateKey(earlier.material().privateKey()));
        String name = unique("ca");

        CertificateAuthority moved = ControlPlanePki.shared(secrets, name, legacy, DEFAULTS, clock);
        CertificateAuthority otherReplica =
                ControlPlanePki.shared(secrets, name, dir.resolve("elsewhere"), DEFAULTS, clock);

        assertThat(moved.certificate()).isEqualTo(earlier.certificate());
        assertThat(otherReplica.certificate()).isEqualTo(earlier.certificate());
        assertThat(secrets.get(name)).hasValueSatisfying(pem -> assertThat(pem).contains("BEGIN PRIVATE KEY"));
    }

    @Test
    void aDamagedCaInTheDatabaseStopsTheStartWithTheReason() {
        String noKey = unique("ca");
        CertificateAuthority one = CertificateAuthority.generate("one", Duration.ofDays(30), clock);
        CertificateAuthority other = CertificateAuthority.generate("other", Duration.ofDays(30), clock);
        secrets.getOrCreate(noKey, () -> Pem.certificates(List.of(one.certificate())));
        String mismatched = unique("ca");
        secrets.getOrCreate(
                mismatched,
                () -> Pem.certificates(List.of(one.certificate()))
                        + Pem.privateKey(other.material().privateKey()));

        assertThatThrownBy(() -> ControlPlanePki.shared(secrets, noKey, dir, DEFAULTS, clock))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("shared_secret " + noKey + ") has no key");
        assertThatThrownBy(() -> ControlPlanePki.shared(secrets, mismatched, dir, DEFAULTS, clock))
                .isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("does not match");
    }

    private static String get(Future<String> future) {
        try {
            return future.get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
