package dev.tide.agent.apply;

import com.google.protobuf.ByteString;
import dev.tide.agent.state.AtomicFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Content-addressed artifacts in {@code <data-dir>/artifacts/}: {@code <sha256>} once verified,
 * {@code <sha256>.part} while downloading, so a download resumes from the partial file's size.
 */
public final class ArtifactCache {
    private final Path dir;

    public ArtifactCache(Path dir) {
        this.dir = dir;
    }

    /** The verified artifact, if cached. */
    public Optional<Path> complete(String sha256) {
        if (!Sha256.isValid(sha256)) {
            return Optional.empty();
        }
        Path file = dir.resolve(sha256);
        return Files.isRegularFile(file) ? Optional.of(file) : Optional.empty();
    }

    /** Bytes already downloaded for an unfinished artifact. */
    public long partialSize(String sha256) throws ApplyException {
        try {
            Path part = partial(sha256);
            return Files.exists(part) ? Files.size(part) : 0;
        } catch (IOException e) {
            throw new ApplyException("cannot read partial artifact " + sha256 + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes a chunk at {@code offset}: it must continue the partial file, or start again at 0.
     */
    public void append(String sha256, long offset, ByteString data) throws ApplyException {
        Path part = partial(sha256);
        try {
            AtomicFiles.createPrivateDirectory(dir); // 0700 like the rest of the data dir
            long size = Files.exists(part) ? Files.size(part) : 0;
            if (offset == 0 && size > 0) {
                truncate(part);
            } else if (offset != size) {
                throw new ApplyException(
                        "artifact " + sha256 + ": chunk at offset " + offset + " does not follow " + size);
            }
            try (OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                data.writeTo(out);
            }
        } catch (IOException e) {
            throw new ApplyException("cannot write artifact " + sha256 + ": " + e.getMessage(), e);
        }
    }

    /**
     * Verifies the downloaded bytes against their name and moves them into the cache. A mismatch
     * deletes the partial file: the bytes are wrong, resuming them would not help.
     */
    public Path finish(String sha256) throws ApplyException {
        Path part = partial(sha256);
        try {
            if (!Files.exists(part)) {
                AtomicFiles.createPrivateDirectory(dir); // 0700 like the rest of the data dir
                Files.createFile(part);
            }
            String actual = Sha256.hex(part);
            if (!actual.equals(sha256)) {
                Files.deleteIfExists(part);
                throw new ApplyException("artifact sha256 mismatch: expected " + sha256 + ", got " + actual);
            }
            Path file = dir.resolve(sha256);
            Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new ApplyException("cannot store artifact " + sha256 + ": " + e.getMessage(), e);
        }
    }

    public void discard(String sha256) {
        try {
            Files.deleteIfExists(partial(sha256));
        } catch (IOException | ApplyException e) {
            // nothing to clean up
        }
    }

    private Path partial(String sha256) throws ApplyException {
        if (!Sha256.isValid(sha256)) {
            throw new ApplyException("invalid artifact sha256 '" + sha256 + "'");
        }
        return dir.resolve(sha256 + ".part");
    }

    private static void truncate(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
    }
}
