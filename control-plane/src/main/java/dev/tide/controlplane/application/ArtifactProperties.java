package dev.tide.controlplane.application;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Artifact storage ({@code tide.artifacts.*}).
 *
 * @param store where the one copy every replica reads lives: {@code filesystem} (the default: files
 *     under {@code dir}, which several replicas must share) or {@code database} (chunks in
 *     PostgreSQL, with a local copy under {@code dir} per replica)
 * @param dir where artifact bytes are kept, or with {@code store=database} the replica's local
 *     copy; empty means {@code <tide.data-dir>/artifacts}
 * @param maxSize the largest artifact accepted
 */
@ConfigurationProperties("tide.artifacts")
public record ArtifactProperties(Store store, Path dir, DataSize maxSize) {
    /** Where artifacts are kept. */
    public enum Store {
        FILESYSTEM,
        DATABASE
    }

    public ArtifactProperties {
        if (store == null) {
            store = Store.FILESYSTEM;
        }
        if (maxSize == null) {
            maxSize = DataSize.ofGigabytes(4);
        }
    }
}
