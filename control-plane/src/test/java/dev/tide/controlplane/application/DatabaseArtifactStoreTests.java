package dev.tide.controlplane.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.system.TideProperties;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.unit.DataSize;

/**
 * Artifacts kept in PostgreSQL for replicas without a shared filesystem: two stores with their own
 * local copies ("replicas") on the suite's real embedded database.
 */
class DatabaseArtifactStoreTests extends IntegrationTest {
    @Autowired
    TransactionTemplate tx;

    @Autowired
    TideProperties tide;

    @TempDir
    Path dir;

    @Test
    void anArtifactUploadedToOneReplicaIsServedByAnotherFromItsOwnCopy() throws IOException {
        DatabaseArtifactStore a = replica("a");
        DatabaseArtifactStore b = replica("b");
        byte[] bytes = randomBytes(DatabaseArtifactStore.CHUNK * 2 + 12_345); // three chunks, the last short

        ArtifactStore.Stored stored = a.store(new ByteArrayInputStream(bytes), bytes.length);

        assertThat(stored.sha256()).isEqualTo(sha256(bytes));
        assertThat(jdbc.queryForObject(
                        "select count(*) from artifact_blob where sha256 = ?", Integer.class, stored.sha256()))
                .isEqualTo(3);
        assertThat(b.exists(stored.sha256())).isTrue();
        try (InputStream in = b.open(stored.sha256(), DatabaseArtifactStore.CHUNK + 7)) {
            assertThat(in.readAllBytes())
                    .isEqualTo(Arrays.copyOfRange(bytes, DatabaseArtifactStore.CHUNK + 7, bytes.length));
        }
        assertThat(localCopies("b")).as("b now serves its own copy").hasSize(1);

        // The same bytes again: one copy in the database.
        a.store(new ByteArrayInputStream(bytes), bytes.length);
        assertThat(jdbc.queryForObject(
                        "select count(*) from artifact_blob where sha256 = ?", Integer.class, stored.sha256()))
                .isEqualTo(3);
    }

    @Test
    void aChunkChangedInTheDatabaseIsRefusedAndNeverServed() throws IOException {
        byte[] bytes = randomBytes(DatabaseArtifactStore.CHUNK + 100);
        String sha = replica("writer")
                .store(new ByteArrayInputStream(bytes), bytes.length)
                .sha256();
        jdbc.update("update artifact_blob set data = ? where sha256 = ? and chunk = 1", new byte[] {1, 2, 3}, sha);
        DatabaseArtifactStore reader = replica("reader");

        assertThatThrownBy(() -> reader.open(sha, 0))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("does not match its sha256");
        assertThat(localCopies("reader")).isEmpty();
    }

    @Test
    void anUnknownArtifactIsNotFoundAndAnOversizedOneIsNotKept() throws IOException {
        DatabaseArtifactStore store = replica("c");
        String unknown = "0".repeat(64);

        assertThat(store.exists(unknown)).isFalse();
        assertThatThrownBy(() -> store.open(unknown, 0)).isInstanceOf(NoSuchFileException.class);
        byte[] bytes = randomBytes(1000);
        assertThatThrownBy(() -> store.store(new ByteArrayInputStream(bytes), 999))
                .isInstanceOf(ArtifactStore.TooLargeException.class);
        assertThat(jdbc.queryForObject(
                        "select count(*) from artifact_blob where sha256 = ?", Integer.class, sha256(bytes)))
                .isZero();
    }

    private DatabaseArtifactStore replica(String name) throws IOException {
        ArtifactProperties properties =
                new ArtifactProperties(ArtifactProperties.Store.DATABASE, dir.resolve(name), DataSize.ofMegabytes(64));
        return new DatabaseArtifactStore(properties, tide, jdbc, tx);
    }

    private java.util.List<Path> localCopies(String name) throws IOException {
        try (Stream<Path> files = Files.walk(dir.resolve(name).resolve("sha256"))) {
            return files.filter(Files::isRegularFile).toList();
        }
    }
}
