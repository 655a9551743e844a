package dev.tide.controlplane;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh {@code tide.data-dir} per test JVM under {@code target/it-data}, so each surefire
 * execution gets its own embedded PostgreSQL and artifact store and {@code mvn clean} removes
 * them. Directories left by earlier runs are removed once their PostgreSQL has stopped.
 */
final class TestDataDirectory {
    private static final Path BASE = Path.of("target", "it-data").toAbsolutePath();

    private TestDataDirectory() {}

    static Path create() {
        try {
            Files.createDirectories(BASE);
            removeStale();
            return Files.createTempDirectory(BASE, "jvm-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An old directory whose PostgreSQL is not running any more (no live postmaster.pid). */
    private static void removeStale() throws IOException {
        // The age spares a directory whose JVM is still starting its PostgreSQL.
        Instant cutoff = Instant.now().minus(Duration.ofMinutes(1));
        try (Stream<Path> dirs = Files.list(BASE)) {
            for (Path dir : dirs.toList()) {
                if (Files.getLastModifiedTime(dir).toInstant().isBefore(cutoff) && !postgresRunsIn(dir)) {
                    deleteRecursively(dir);
                }
            }
        }
    }

    private static boolean postgresRunsIn(Path dir) {
        Path pidFile = dir.resolve("postgres").resolve("postmaster.pid");
        try {
            long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Best effort: a leftover directory only costs disk space until mvn clean.
        }
    }
}
