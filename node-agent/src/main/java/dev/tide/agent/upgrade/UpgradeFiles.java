package dev.tide.agent.upgrade;

import dev.tide.agent.state.AtomicFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The folder the agent shares with its launcher ({@code tide-agent}, node-agent/src/main/dist),
 * which restarts the agent when it exits with {@link #RESTART_EXIT_CODE}. Plain files, so that a
 * shell script can read them:
 *
 * <ul>
 *   <li>{@code launch}: the absolute path of the jar to run; absent, the launcher runs its own jar.
 *   <li>{@code jars/}: agent jars staged by upgrades.
 *   <li>{@code trial}: an upgrade on trial ({@link Trial}, {@code key=value} lines). Written before
 *       {@code launch}; removed by the new agent once it reached the control plane (commit), or by
 *       whoever reverts.
 *   <li>{@code reverted}: the trial that was reverted, with a {@code reason=} line, until the old
 *       agent has reported it.
 * </ul>
 *
 * The launcher reverts when the new jar exits with any other code while {@code trial} exists; the
 * new agent reverts itself when it cannot reach the control plane before the trial's deadline.
 */
public final class UpgradeFiles {
    /** The exit code with which the agent asks its launcher to start it again ({@code EX_TEMPFAIL}). */
    public static final int RESTART_EXIT_CODE = 75;

    private final Path dir;

    public UpgradeFiles(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    /**
     * An upgrade on trial.
     *
     * @param previousJar the jar to go back to; empty for the launcher's own
     * @param version the agent version the trial starts
     * @param generation the desired-state generation that asked for it
     * @param deadline by when the new agent must have reached the control plane
     * @param reason why it was reverted (only in {@code reverted})
     */
    public record Trial(String previousJar, String version, long generation, Instant deadline, String reason) {
        Trial withReason(String why) {
            return new Trial(previousJar, version, generation, deadline, why);
        }

        private String format() {
            Map<String, String> lines = new LinkedHashMap<>();
            lines.put("previous", previousJar);
            lines.put("version", version);
            lines.put("generation", Long.toString(generation));
            lines.put("deadline", Long.toString(deadline.toEpochMilli()));
            if (reason != null) {
                lines.put("reason", reason);
            }
            StringBuilder out = new StringBuilder();
            // one line per value, whatever the value holds: the launcher reads them with sed
            lines.forEach((k, v) -> out.append(k)
                    .append('=')
                    .append(v.replace('\n', ' ').replace('\r', ' '))
                    .append('\n'));
            return out.toString();
        }

        private static Trial parse(String text) {
            Map<String, String> values = new LinkedHashMap<>();
            for (String line : text.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    values.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return new Trial(
                    values.getOrDefault("previous", ""),
                    values.getOrDefault("version", ""),
                    parseLong(values.get("generation")),
                    Instant.ofEpochMilli(parseLong(values.get("deadline"))),
                    values.get("reason"));
        }

        private static long parseLong(String s) {
            try {
                return s == null ? 0 : Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    public Path dir() {
        return dir;
    }

    public Optional<Trial> trial() throws IOException {
        return read("trial");
    }

    public Optional<Trial> reverted() throws IOException {
        return read("reverted");
    }

    /** The jar the launcher runs next, if an upgrade chose one. */
    public Optional<Path> launch() throws IOException {
        Path file = dir.resolve("launch");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String path = Files.readString(file, StandardCharsets.UTF_8).trim();
        return path.isEmpty() ? Optional.empty() : Optional.of(Path.of(path));
    }

    /** Copies a verified jar into {@code jars/} (atomically: a half-copied jar is never named). */
    public Path stage(Path verifiedJar, String version, String sha256) throws IOException {
        Path jars = dir.resolve("jars");
        AtomicFiles.createPrivateDirectory(dir);
        AtomicFiles.createPrivateDirectory(jars);
        Path target = jars.resolve("tide-agent-" + safe(version) + "-" + sha256.substring(0, 12) + ".jar");
        Path tmp = jars.resolve(".tmp-" + target.getFileName());
        Files.copy(verifiedJar, tmp, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true); // on disk before any file names it
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    /** Starts a trial of {@code jar}: the next start of the launcher runs it. */
    public void beginTrial(Trial trial, Path jar) throws IOException {
        write("trial", trial.format());
        write("launch", jar.toAbsolutePath() + "\n");
    }

    /** The new agent reached the control plane: keep it, and drop jars no longer needed. */
    public void commit() throws IOException {
        Optional<Trial> trial = trial();
        Files.deleteIfExists(dir.resolve("trial"));
        Optional<Path> keep = launch();
        Path jars = dir.resolve("jars");
        if (!Files.isDirectory(jars)) {
            return;
        }
        try (DirectoryStream<Path> all = Files.newDirectoryStream(jars)) {
            for (Path jar : all) {
                boolean current = keep.map(jar::equals).orElse(false);
                boolean previous =
                        trial.map(t -> jar.toString().equals(t.previousJar())).orElse(false);
                if (!current && !previous) {
                    Files.deleteIfExists(jar); // the one before the previous, or a failed upgrade's
                }
            }
        }
    }

    /** Goes back to the trial's previous jar and records why, for the old agent to report. */
    public void revert(Trial trial, String reason) throws IOException {
        if (trial.previousJar().isEmpty()) {
            Files.deleteIfExists(dir.resolve("launch"));
        } else {
            write("launch", trial.previousJar() + "\n");
        }
        write("reverted", trial.withReason(reason).format());
        Files.deleteIfExists(dir.resolve("trial"));
    }

    /** The old agent reported the revert. */
    public void clearReverted() throws IOException {
        Files.deleteIfExists(dir.resolve("reverted"));
    }

    private Optional<Trial> read(String name) throws IOException {
        Path file = dir.resolve(name);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.of(Trial.parse(Files.readString(file, StandardCharsets.UTF_8)));
    }

    private void write(String name, String content) throws IOException {
        AtomicFiles.createPrivateDirectory(dir);
        AtomicFiles.write(dir.resolve(name), content.getBytes(StandardCharsets.UTF_8), true);
    }

    private static String safe(String version) {
        return version.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
