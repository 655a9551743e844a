package dev.tide.agent.apply;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/** What one unpack may still write: counts decompressed bytes and entries against its {@link UnpackLimits}. */
final class Budget {
    private final UnpackLimits limits;
    private final long artifactSize;
    private final long maxBytes;
    private long bytes;
    private int entries;

    Budget(UnpackLimits limits, long artifactSize) {
        this.limits = limits;
        this.artifactSize = artifactSize;
        this.maxBytes = limits.bytesFor(artifactSize);
    }

    /** Counts one more archive entry. */
    void entry(String name) throws ApplyException {
        if (++entries > limits.maxEntries()) {
            throw new ApplyException("artifact refused: it holds more than " + limits.maxEntries()
                    + " entries (--unpack-max-entries), at '" + name + "'");
        }
    }

    /** {@code in}, failing with {@link Exceeded} once everything counted passes the byte limit. */
    InputStream count(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    add(1);
                }
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                int n = super.read(buf, off, len);
                if (n > 0) {
                    add(n);
                }
                return n;
            }
        };
    }

    private void add(long n) throws Exceeded {
        bytes += n;
        if (bytes > maxBytes) {
            throw new Exceeded("artifact refused: it decompresses to more than the unpack limit of "
                    + limits.describeBytes(artifactSize));
        }
    }

    /** The refusal inside {@code e}, when the limit is what failed (an archive library may wrap it). */
    static Optional<ApplyException> refusal(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Exceeded exceeded) {
                return Optional.of(new ApplyException(exceeded.getMessage()));
            }
        }
        return Optional.empty();
    }

    /** Thrown from inside a stream read, so it must be an IOException. */
    private static final class Exceeded extends IOException {
        Exceeded(String message) {
            super(message);
        }
    }
}
