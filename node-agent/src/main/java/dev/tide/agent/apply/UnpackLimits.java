package dev.tide.agent.apply;

/**
 * How much an artifact may unpack to, so a small archive cannot fill the node's disk (a gzip bomb).
 * With {@code maxBytes} 0 the limit follows the artifact: {@value #RATIO} times its size, at least
 * {@link #FLOOR_BYTES} (small releases with ordinary compression always fit) and at most {@link
 * #DEFAULT_CAP_BYTES}. An explicit {@code maxBytes} is the limit whatever the artifact's size.
 *
 * @param maxBytes absolute limit of the unpacked file contents, or 0 for the artifact-relative default
 * @param maxEntries most entries (files, folders and links) one archive may hold
 */
public record UnpackLimits(long maxBytes, int maxEntries) {
    public static final int RATIO = 20;
    public static final long FLOOR_BYTES = 64L << 20;
    public static final long DEFAULT_CAP_BYTES = 2L << 30;
    public static final int DEFAULT_MAX_ENTRIES = 100_000;

    public UnpackLimits {
        if (maxBytes < 0 || maxEntries < 1) {
            throw new IllegalArgumentException("unpack limits must be positive");
        }
    }

    public static UnpackLimits defaults() {
        return new UnpackLimits(0, DEFAULT_MAX_ENTRIES);
    }

    /** The byte limit for an artifact of {@code artifactSize} bytes. */
    long bytesFor(long artifactSize) {
        if (maxBytes > 0) {
            return maxBytes;
        }
        long relative = artifactSize > Long.MAX_VALUE / RATIO ? Long.MAX_VALUE : artifactSize * RATIO;
        return Math.min(DEFAULT_CAP_BYTES, Math.max(FLOOR_BYTES, relative));
    }

    /** Names the byte limit in a refusal, so an operator knows which setting to change. */
    String describeBytes(long artifactSize) {
        String limit = size(bytesFor(artifactSize));
        return maxBytes > 0
                ? limit + " (--unpack-max-size)"
                : limit + " (" + RATIO + " times the " + size(artifactSize) + " artifact, at least " + size(FLOOR_BYTES)
                        + ", at most " + size(DEFAULT_CAP_BYTES) + "; set --unpack-max-size to change it)";
    }

    static String size(long bytes) {
        if (bytes >= 1L << 30 && bytes % (1L << 30) == 0) {
            return (bytes >> 30) + " GiB";
        }
        if (bytes >= 1L << 20) {
            return (bytes >> 20) + " MiB";
        }
        if (bytes >= 1L << 10) {
            return (bytes >> 10) + " KiB";
        }
        return bytes + " bytes";
    }
}
