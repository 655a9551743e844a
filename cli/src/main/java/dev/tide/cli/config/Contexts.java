package dev.tide.cli.config;

import dev.tide.cli.CliException;
import dev.tide.cli.Io;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The named control planes the user logged in to, and which one is current: {@code
 * $XDG_CONFIG_HOME/tide/config.json} (default {@code ~/.config/tide/config.json}). The file holds
 * API tokens, so it is written 0600 in a 0700 directory, atomically (a crash never leaves half a
 * file), and never holds a password.
 */
public final class Contexts {
    private static final JsonMapper JSON =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    /**
     * One control plane and the credentials for it.
     *
     * @param tokenId the API token's id when {@code tide login} created it (logout revokes it), else null
     * @param user who the token belongs to, as the control plane said at login
     */
    public record Context(String url, String token, String tokenId, String user) {}

    /** The file's content. */
    record Stored(String current, Map<String, Context> contexts) {}

    private final Path file;
    private String current;
    private final Map<String, Context> contexts;

    private Contexts(Path file, String current, Map<String, Context> contexts) {
        this.file = file;
        this.current = current;
        this.contexts = new TreeMap<>(contexts == null ? Map.of() : contexts);
    }

    /** Where the configuration lives for this user. */
    public static Path file(Io io) {
        String xdg = io.env("XDG_CONFIG_HOME");
        Path base = xdg != null ? Path.of(xdg) : io.home().resolve(".config");
        return base.resolve("tide").resolve("config.json");
    }

    /** Reads the file; an absent file is no contexts. */
    public static Contexts load(Path file) {
        if (!Files.exists(file)) {
            return new Contexts(file, null, Map.of());
        }
        try {
            Stored stored = JSON.readValue(Files.readString(file), Stored.class);
            return new Contexts(file, stored.current(), stored.contexts());
        } catch (IOException | JacksonException e) {
            throw CliException.error(file + ": cannot read the CLI configuration (" + e.getMessage()
                    + "); fix or delete it and log in again");
        }
    }

    public Path file() {
        return file;
    }

    /** The current context's name, or null. */
    public String currentName() {
        return current != null && contexts.containsKey(current) ? current : null;
    }

    public Context get(String name) {
        return contexts.get(name);
    }

    public Map<String, Context> all() {
        return Map.copyOf(contexts);
    }

    /** Adds or replaces a context and makes it current. */
    public void put(String name, Context context) {
        contexts.put(name, context);
        current = name;
    }

    public void use(String name) {
        if (!contexts.containsKey(name)) {
            throw CliException.usage("no context '" + name + "' (known: " + String.join(", ", contexts.keySet())
                    + "); add one with: tide login URL --context " + name);
        }
        current = name;
    }

    public Context remove(String name) {
        Context removed = contexts.remove(name);
        if (name.equals(current)) {
            current = contexts.isEmpty() ? null : contexts.keySet().iterator().next();
        }
        return removed;
    }

    /** Writes the file: 0600 in a 0700 directory, replaced atomically. */
    public void save() {
        try {
            Path dir = file.getParent();
            boolean posix =
                    FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
            Files.createDirectories(dir);
            if (posix) {
                Files.setPosixFilePermissions(dir, DIR);
            }
            Path tmp = posix
                    ? Files.createTempFile(dir, ".config", ".tmp", PosixFilePermissions.asFileAttribute(FILE))
                    : Files.createTempFile(dir, ".config", ".tmp");
            try {
                Files.writeString(tmp, JSON.writeValueAsString(new Stored(current, contexts)) + "\n");
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            if (posix) {
                Files.setPosixFilePermissions(file, FILE);
            }
        } catch (IOException e) {
            throw CliException.error("cannot write " + file + ": " + e.getMessage());
        }
    }
}
