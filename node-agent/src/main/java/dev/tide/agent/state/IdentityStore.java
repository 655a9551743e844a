package dev.tide.agent.state;

import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** Reads and writes {@code <data-dir>/identity.json}, owner-only, atomically. */
public final class IdentityStore {
    private final Path file;

    public IdentityStore(Path dataDir) {
        this.file = dataDir.resolve("identity.json");
    }

    public Path file() {
        return file;
    }

    public Optional<Identity> load() throws IOException {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        try {
            Identity identity = Json.GSON.fromJson(json, Identity.class);
            if (identity == null || identity.nodeId() == null || identity.nodeName() == null) {
                throw new IOException(file + " is incomplete; remove it to enroll again");
            }
            return Optional.of(identity);
        } catch (JsonParseException e) {
            throw new IOException(file + " is not valid JSON; remove it to enroll again", e);
        }
    }

    public void save(Identity identity) throws IOException {
        AtomicFiles.write(file, Json.GSON.toJson(identity).getBytes(StandardCharsets.UTF_8), true);
    }
}
