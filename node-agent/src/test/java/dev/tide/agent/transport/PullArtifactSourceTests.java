package dev.tide.agent.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.agent.HostPort;
import dev.tide.agent.apply.ApplyException;
import dev.tide.agent.apply.ArtifactCache;
import dev.tide.agent.apply.Sha256;
import dev.tide.agent.support.FakeControlPlane;
import dev.tide.agent.support.TestApps;
import dev.tide.proto.agent.v1.AppRelease;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PullArtifactSourceTests {
    @TempDir
    Path dir;

    private FakeControlPlane cp;
    private GatewayClient gateway;
    private PullArtifactSource source;
    private final byte[] bytes = new byte[100_000];

    @BeforeEach
    void setUp() throws Exception {
        new Random(7).nextBytes(bytes);
        cp = new FakeControlPlane();
        source = source(cp.address());
    }

    private PullArtifactSource source(HostPort target) {
        gateway = new GatewayClient(
                () -> ChannelFactory.netty().open(target, Duration.ofSeconds(60), FakeControlPlane.nodeClientTls()),
                Duration.ofSeconds(5),
                Duration.ofSeconds(10));
        return new PullArtifactSource(gateway, new ArtifactCache(dir));
    }

    @AfterEach
    void tearDown() throws Exception {
        gateway.close();
        cp.close();
    }

    private static AppRelease release(String sha, long size) {
        return AppRelease.newBuilder()
                .setArtifactSha256(sha)
                .setArtifactSize(size)
                .build();
    }

    @Test
    void resumesAPartialDownloadFromItsSize() throws Exception {
        String sha = cp.addArtifact(bytes);
        Files.write(dir.resolve(sha + ".part"), Arrays.copyOf(bytes, 40_000));

        Path file = source.fetch(release(sha, bytes.length));

        assertThat(cp.fetches)
                .singleElement()
                .satisfies(f -> assertThat(f.getOffset()).isEqualTo(40_000));
        assertThat(Sha256.hex(file)).isEqualTo(sha);
        assertThat(dir.resolve(sha + ".part")).doesNotExist();
        assertThat(source.fetch(release(sha, bytes.length))).isEqualTo(file); // cached now
        assertThat(cp.fetches).hasSize(1);
    }

    @Test
    void bytesThatDoNotMatchTheirSha256AreRefusedAndDiscarded() {
        String claimed = Sha256.hex("other".getBytes());
        cp.addArtifactAs(claimed, bytes);

        assertThatThrownBy(() -> source.fetch(release(claimed, bytes.length)))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("sha256 mismatch")
                .satisfies(e -> assertThat(((ApplyException) e).isTransient()).isFalse());
        assertThat(dir.resolve(claimed + ".part")).doesNotExist();
        assertThat(dir.resolve(claimed)).doesNotExist();
    }

    @Test
    void anUnknownArtifactFailsButAnUnreachableControlPlaneIsTransient() throws Exception {
        String unknown = Sha256.hex("nobody has this".getBytes());
        assertThatThrownBy(() -> source.fetch(release(unknown, 10)))
                .hasMessageContaining("NOT_FOUND")
                .satisfies(e -> assertThat(((ApplyException) e).isTransient()).isFalse());

        gateway.close();
        PullArtifactSource unreachable = source(new HostPort("127.0.0.1", TestApps.freePort()));
        assertThatThrownBy(() -> unreachable.fetch(release(unknown, 10)))
                .hasMessageContaining("UNAVAILABLE")
                .satisfies(e -> assertThat(((ApplyException) e).isTransient()).isTrue());
    }
}
