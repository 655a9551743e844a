package dev.tide.controlplane.application;

import dev.tide.controlplane.system.TideProperties;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * Keeps artifacts as files {@code <dir>/sha256/ab/abcdef...}. Uploads go to a temporary file in
 * the same filesystem and are moved into place atomically once their digest is known, so a
 * reader never sees a partial artifact.
 */
@Component
@ConditionalOnProperty(name = "tide.artifacts.store", havingValue = "filesystem", matchIfMissing = true)
class FilesystemArtifactStore implements ArtifactStore {
    private static final int BUFFER = 64 * 1024;
    private final Path root;

    @Autowired
    FilesystemArtifactStore(ArtifactProperties properties, TideProperties tide) throws IOException {
        this(properties.dir() != null ? properties.dir() : tide.dataDir().resolve("artifacts"));
    }

    /** A store in {@code dir}: also the local copy a {@link DatabaseArtifactStore} reads through. */
    FilesystemArtifactStore(Path dir) throws IOException {
        this.root = dir.toAbsolutePath();
        Files.createDirectories(root.resolve("tmp"));
        Files.createDirectories(root.resolve("sha256"));
    }

    @Override
    public Stored store(InputStream in, long maxSize) throws IOException {
        return store(in, maxSize, null);
    }

    /**
     * Stores {@code in} only if its digest is {@code expectedSha256} (when not null); otherwise
     * nothing is kept and the mismatch is thrown.
     */
    Stored store(InputStream in, long maxSize, String expectedSha256) throws IOException {
        Path tmp = Files.createTempFile(root.resolve("tmp"), "upload-", ".part");
        try {
            MessageDigest digest = sha256();
            long size = 0;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), digest)) {
                byte[] buffer = new byte[BUFFER];
                int n;
                while ((n = in.read(buffer)) != -1) {
                    size += n;
                    if (size > maxSize) {
                        throw new TooLargeException(maxSize);
                    }
                    out.write(buffer, 0, n);
                }
            }
            if (size == 0) {
                throw new EmptyException();
            }
            String sha = HexFormat.of().formatHex(digest.digest());
            if (expectedSha256 != null && !expectedSha256.equals(sha)) {
                throw new IOException("artifact " + expectedSha256 + " does not match its sha256 (its bytes hash to "
                        + sha + "); it is not kept");
            }
            Path target = path(sha);
            Files.createDirectories(target.getParent());
            if (!Files.exists(target)) {
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
                    // Another upload of the same bytes won the race; its copy is identical.
                }
            }
            return new Stored(sha, size);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public InputStream open(String sha256, long offset) throws IOException {
        try {
            FileChannel channel = FileChannel.open(path(sha256), StandardOpenOption.READ);
            channel.position(offset);
            return Channels.newInputStream(channel);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException("artifact " + sha256 + " is not in the store");
        }
    }

    @Override
    public boolean exists(String sha256) {
        return Files.exists(path(sha256));
    }

    private Path path(String sha256) {
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a sha256: " + sha256);
        }
        return root.resolve("sha256").resolve(sha256.substring(0, 2)).resolve(sha256);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
