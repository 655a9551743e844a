package dev.tide.agent.state;

import dev.tide.proto.agent.v1.Event;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code <data-dir>/events.pb}: length-delimited {@link Event} messages, appended as they happen and
 * rewritten (atomically) when some were delivered, usually to nothing. Appends are not forced to
 * disk: they survive the agent's crash or kill -9, which is what a restart needs, at no fsync per
 * event; a power loss may lose the newest. A torn last record (a crash mid-write) is dropped.
 */
public final class FileEventJournal implements EventJournal {
    private static final Logger log = LoggerFactory.getLogger(FileEventJournal.class);

    private static final FileAttribute<?> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private final Path file;

    public FileEventJournal(Path dataDir) {
        this.file = dataDir.resolve("events.pb");
    }

    @Override
    public List<Event> load() throws IOException {
        List<Event> events = new ArrayList<>();
        try (InputStream in = Files.newInputStream(file)) {
            while (true) {
                Event e;
                try {
                    e = Event.parseDelimitedFrom(in);
                } catch (IOException torn) {
                    log.warn("{}: dropped a partly written last event ({})", file, torn.getMessage());
                    break;
                }
                if (e == null) {
                    break;
                }
                events.add(e);
            }
        } catch (NoSuchFileException e) {
            return List.of();
        }
        return events;
    }

    @Override
    public void append(Event event) throws IOException {
        ByteArrayOutputStream record = new ByteArrayOutputStream(event.getSerializedSize() + 5);
        event.writeDelimitedTo(record);
        if (!Files.exists(file) && AtomicFiles.hasPosixModes(file.getParent())) {
            try {
                Files.createFile(file, OWNER_ONLY); // event messages may quote an app's output
            } catch (FileAlreadyExistsException e) {
                // created meanwhile: fine
            }
        }
        try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            record.writeTo(out); // one write call: a crash leaves at most one torn record
        }
    }

    @Override
    public void replace(List<Event> undelivered) throws IOException {
        if (undelivered.isEmpty()) {
            Files.deleteIfExists(file);
            return;
        }
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (Event e : undelivered) {
            e.writeDelimitedTo(all);
        }
        AtomicFiles.write(file, all.toByteArray(), true);
    }
}
