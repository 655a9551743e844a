package dev.tide.agent.state;

import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** {@code <data-dir>/state.json}, written atomically and owner-only (release env may hold secrets). */
public final class FileStateStore implements StateStore {
    private final Path file;
    private final FileEventJournal events;

    public FileStateStore(Path dataDir) {
        this.file = dataDir.resolve("state.json");
        this.events = new FileEventJournal(dataDir);
    }

    @Override
    public EventJournal events() {
        return events;
    }

    @Override
    public AgentState load() throws IOException {
        try {
            AgentState state = Json.GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8), AgentState.class);
            return state == null ? AgentState.EMPTY : state;
        } catch (NoSuchFileException e) {
            return AgentState.EMPTY;
        } catch (JsonParseException e) {
            throw new IOException(file + " is not valid JSON", e);
        }
    }

    @Override
    public void save(AgentState state) throws IOException {
        AtomicFiles.write(file, Json.GSON.toJson(state).getBytes(StandardCharsets.UTF_8), true);
    }
}
