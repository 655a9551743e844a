package dev.tide.controlplane.application;

import java.io.IOException;
import java.io.InputStream;

/** Where artifact bytes live, addressed by their sha256. Filesystem now; S3-compatible later. */
public interface ArtifactStore {
    /** Bytes written and their digest. */
    record Stored(String sha256, long size) {}

    /**
     * Streams {@code in} into the store while hashing it, never holding it in memory. Idempotent:
     * storing the same bytes twice keeps one copy.
     *
     * @throws TooLargeException past {@code maxSize} bytes (nothing is kept)
     * @throws EmptyException when there are no bytes at all (nothing is kept)
     */
    Stored store(InputStream in, long maxSize) throws IOException;

    /** Opens the artifact positioned at {@code offset}. */
    InputStream open(String sha256, long offset) throws IOException;

    boolean exists(String sha256);

    /** Thrown when an upload has no bytes. */
    final class EmptyException extends IOException {
        public EmptyException() {
            super("is empty; an artifact needs at least one byte");
        }
    }

    /** Thrown when an upload exceeds the allowed size. */
    final class TooLargeException extends IOException {
        public TooLargeException(long maxSize) {
            super("the artifact exceeds the maximum size of " + maxSize + " bytes");
        }
    }
}
