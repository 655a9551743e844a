package dev.tide.agent.supervise;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds and stops the application processes an agent with this data dir started and no longer
 * supervises: its data dir was wiped (no pid records left), or it was killed between starting a
 * process and recording its pid. Every process an agent starts carries {@link #OWNER} = the
 * agent's data dir in its environment ({@code ReleasePreparer}), and its children inherit it; a
 * process is ours only when that variable names exactly this data dir. Linux only: it reads
 * {@code /proc/<pid>/environ} (elsewhere, or without permission to read a process's environment,
 * nothing is found).
 */
public final class Orphans {
    /** The environment variable naming the data dir of the agent that started a process. */
    public static final String OWNER = "TIDE_OWNER";

    /** A process found, with the application and version its environment names. */
    public record Orphan(long pid, String app, String version) {}

    private final Path proc;

    public Orphans(Path proc) {
        this.proc = proc;
    }

    public static Orphans linux() {
        return new Orphans(Path.of("/proc"));
    }

    /** The value {@link #OWNER} takes for the agent of {@code dataDir}. */
    public static String owner(Path dataDir) {
        return dataDir.toAbsolutePath().normalize().toString();
    }

    /**
     * Live processes marked as started by the agent of {@code dataDir}, but for {@code supervised}
     * ones and their descendants, and this JVM.
     */
    public List<Orphan> find(Path dataDir, Set<Long> supervised) {
        String marker = OWNER + "=" + owner(dataDir);
        Set<Long> keep = new LinkedHashSet<>(supervised);
        keep.add(ProcessHandle.current().pid());
        for (long pid : supervised) {
            ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> keep.add(d.pid())));
        }
        List<Orphan> found = new ArrayList<>();
        if (!Files.isDirectory(proc)) {
            return found;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path entry : entries) {
                long pid = Long.parseLong(entry.getFileName().toString());
                if (keep.contains(pid)) {
                    continue;
                }
                environment(entry)
                        .filter(env -> marker.equals(OWNER + "=" + env.get(OWNER)))
                        .ifPresent(env -> found.add(new Orphan(pid, env.get("TIDE_APP"), env.get("TIDE_VERSION"))));
            }
        } catch (IOException e) {
            return found; // /proc went away: nothing to do
        }
        return found;
    }

    /**
     * SIGTERM to each orphan and its descendants, SIGKILL to what is left after {@code grace}.
     * Returns the orphans that were alive to be stopped.
     */
    public List<Orphan> stop(List<Orphan> orphans, Duration grace) throws InterruptedException {
        Map<ProcessHandle, Orphan> handles = new HashMap<>();
        for (Orphan o : orphans) {
            ProcessHandle.of(o.pid()).filter(ProcessHandle::isAlive).ifPresent(h -> handles.put(h, o));
        }
        ProcessTrees.stop(
                into -> handles.keySet().forEach(h -> {
                    into.add(h);
                    h.descendants().forEach(into::add);
                }),
                new LinkedHashSet<>(),
                grace);
        return List.copyOf(handles.values());
    }

    /** The process's environment, empty when it is gone or not readable (another user's). */
    private static Optional<Map<String, String>> environment(Path entry) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(entry.resolve("environ"));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
        Map<String, String> env = new HashMap<>();
        for (String pair : new String(bytes, StandardCharsets.UTF_8).split("\0")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                env.putIfAbsent(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return env.containsKey(OWNER) ? Optional.of(env) : Optional.empty();
    }
}
