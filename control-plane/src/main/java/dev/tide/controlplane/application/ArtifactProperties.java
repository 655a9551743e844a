package dev.tide.controlplane.application;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * Artifact storage ({@code tide.artifacts.*}).
 *
 * @param dir where artifact bytes are kept; empty means {@code <tide.data-dir>/artifacts}
 * @param maxSize the largest artifact accepted
 */
@ConfigurationProperties("tide.artifacts")
public record ArtifactProperties(Path dir, DataSize maxSize) {
    public ArtifactProperties {
        if (maxSize == null) {
            maxSize = DataSize.ofGigabytes(4);
        }
    }
}
