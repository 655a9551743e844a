package dev.tide.controlplane.application;

import dev.tide.controlplane.system.TideProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.NoSuchFileException;
import java.util.Enumeration;
import java.util.NoSuchElementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Artifacts in PostgreSQL ({@code tide.artifacts.store=database}), so that every control-plane
 * replica on the database serves every artifact without a shared filesystem. The bytes are kept as
 * 1 MiB chunks ({@code artifact_blob}); each replica keeps a local copy under {@code
 * tide.artifacts.dir}, written on upload or on first read, and serves agents from it, so the
 * database is read once per artifact and replica, not once per node. The local copy is checked
 * against the sha256 as it is written: a chunk changed in the database is refused, never served.
 */
@Component
@ConditionalOnProperty(name = "tide.artifacts.store", havingValue = "database")
class DatabaseArtifactStore implements ArtifactStore {
    private static final Logger log = LoggerFactory.getLogger(DatabaseArtifactStore.class);
    static final int CHUNK = 1024 * 1024;

    private final FilesystemArtifactStore local;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;
    private final long maxSize;

    DatabaseArtifactStore(ArtifactProperties properties, TideProperties tide, JdbcTemplate jdbc, TransactionTemplate tx)
            throws IOException {
        this.local = new FilesystemArtifactStore(
                properties.dir() != null ? properties.dir() : tide.dataDir().resolve("artifacts"));
        this.jdbc = jdbc;
        this.tx = tx;
        this.maxSize = properties.maxSize().toBytes();
    }

    @Override
    public Stored store(InputStream in, long maxSize) throws IOException {
        Stored stored = local.store(in, maxSize); // hashes and size-checks without holding the bytes
        if (!inDatabase(stored.sha256())) {
            IOException[] failure = new IOException[1];
            tx.executeWithoutResult(status -> {
                try (InputStream bytes = local.open(stored.sha256(), 0)) {
                    byte[] buffer = new byte[CHUNK];
                    int chunk = 0;
                    int n;
                    while ((n = bytes.readNBytes(buffer, 0, CHUNK)) > 0) {
                        byte[] data = n == CHUNK ? buffer : java.util.Arrays.copyOf(buffer, n);
                        jdbc.update(
                                "insert into artifact_blob (sha256, chunk, data) values (?, ?, ?)"
                                        + " on conflict (sha256, chunk) do nothing",
                                stored.sha256(),
                                chunk++,
                                data);
                    }
                } catch (IOException e) {
                    failure[0] = e;
                    status.setRollbackOnly();
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
        }
        return stored;
    }

    @Override
    public InputStream open(String sha256, long offset) throws IOException {
        if (!local.exists(sha256)) {
            copyFromDatabase(sha256);
        }
        return local.open(sha256, offset);
    }

    @Override
    public boolean exists(String sha256) {
        return local.exists(sha256) || inDatabase(sha256);
    }

    private boolean inDatabase(String sha256) {
        return Boolean.TRUE.equals(jdbc.queryForObject(
                "select exists (select 1 from artifact_blob where sha256 = ? and chunk = 0)", Boolean.class, sha256));
    }

    /** Writes the local copy from the database's chunks, checking the digest as it goes. */
    private void copyFromDatabase(String sha256) throws IOException {
        if (!inDatabase(sha256)) {
            throw new NoSuchFileException("artifact " + sha256 + " is not in the store");
        }
        long start = System.nanoTime();
        Stored copied = local.store(new SequenceInputStream(new Chunks(sha256)), maxSize, sha256);
        log.info(
                "Copied artifact {} ({} bytes) from the database in {} ms",
                sha256,
                copied.size(),
                (System.nanoTime() - start) / 1_000_000);
    }

    /** The chunks of one artifact in order, each read when the previous one is used up. */
    private final class Chunks implements Enumeration<InputStream> {
        private final String sha256;
        private byte[] next;
        private int index;

        Chunks(String sha256) {
            this.sha256 = sha256;
            this.next = read(0);
        }

        private byte[] read(int chunk) {
            return jdbc
                    .query(
                            "select data from artifact_blob where sha256 = ? and chunk = ?",
                            (rs, i) -> rs.getBytes(1),
                            sha256,
                            chunk)
                    .stream()
                    .findFirst()
                    .orElse(null);
        }

        @Override
        public boolean hasMoreElements() {
            return next != null;
        }

        @Override
        public InputStream nextElement() {
            if (next == null) {
                throw new NoSuchElementException();
            }
            InputStream current = new java.io.ByteArrayInputStream(next);
            next = read(++index);
            return current;
        }
    }
}
