package dev.tide.controlplane.application;

import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.NotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/** Uploads and reads artifacts. The bytes are streamed to the store before any transaction opens. */
@Service
public class ArtifactService {
    private static final String OCTET_STREAM = "application/octet-stream";
    private final ArtifactStore store;
    private final ArtifactRepository artifacts;
    private final ArtifactProperties properties;
    private final AuditService audit;
    private final TransactionTemplate tx;
    private final Clock clock;
    /**
     * Artifacts already read, by content hash: a row never changes once stored, and ten thousand
     * agents fetching the same artifact read it once, not a row each (twice: size, then bytes).
     */
    private final Map<String, Artifact> found = new ConcurrentHashMap<>();

    private static final int FOUND_LIMIT = 10_000;

    ArtifactService(
            ArtifactStore store,
            ArtifactRepository artifacts,
            ArtifactProperties properties,
            AuditService audit,
            TransactionTemplate tx,
            Clock clock) {
        this.store = store;
        this.artifacts = artifacts;
        this.properties = properties;
        this.audit = audit;
        this.tx = tx;
        this.clock = clock;
    }

    /** Stores the bytes and records the artifact; uploading the same bytes again is a no-op. */
    public Artifact upload(InputStream in, String mediaType) throws IOException {
        if (mediaType == null || mediaType.isBlank() || mediaType.length() > 127) {
            throw InvalidInputException.field("Content-Type", "must name the artifact's media type");
        }
        ArtifactStore.Stored stored;
        try {
            stored = store.store(in, properties.maxSize().toBytes());
        } catch (ArtifactStore.TooLargeException | ArtifactStore.EmptyException e) {
            throw InvalidInputException.field("body", e.getMessage());
        }
        return tx.execute(status -> artifacts.findById(stored.sha256()).orElseGet(() -> {
            Artifact a = artifacts.save(new Artifact(
                    stored.sha256(), stored.size(), mediaType, AuditService.currentActor(), clock.instant()));
            audit.record(
                    "artifact.upload",
                    "artifact/" + a.getSha256(),
                    Map.of("size", a.getSize(), "mediaType", mediaType));
            return a;
        }));
    }

    /**
     * The media type to record for an upload: the declared one, except that a generic
     * {@code application/octet-stream} (or none) becomes {@code application/gzip} when the bytes
     * start with the gzip magic. {@code in} must support mark/reset; nothing is consumed.
     */
    public static String mediaType(InputStream in, String declared) throws IOException {
        String type = declared == null ? OCTET_STREAM : declared.split(";")[0].trim();
        if (!type.equals(OCTET_STREAM)) {
            return type;
        }
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        return b1 == 0x1f && b2 == 0x8b ? "application/gzip" : type;
    }

    public Artifact get(String sha256) {
        Artifact known = found.get(sha256);
        if (known != null) {
            return known;
        }
        Artifact artifact = artifacts.findById(sha256).orElseThrow(() -> new NotFoundException("artifact", sha256));
        if (found.size() >= FOUND_LIMIT) {
            found.clear();
        }
        found.put(sha256, artifact);
        return artifact;
    }

    /** The artifact's bytes from {@code offset} on. */
    public InputStream open(String sha256, long offset) throws IOException {
        Artifact artifact = get(sha256);
        if (offset < 0 || offset > artifact.getSize()) {
            throw InvalidInputException.field("offset", "must be between 0 and " + artifact.getSize());
        }
        return store.open(sha256, offset);
    }
}
