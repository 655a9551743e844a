package dev.tide.agent.supervise;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rotates {@code apps/<app>/logs/*.log} by size, copy-truncate style: the log is copied to
 * {@code .1} (older ones shift to {@code .2}...) and then truncated in place. The process keeps
 * its file descriptor (opened with O_APPEND), so this works for re-adopted processes the agent
 * cannot reopen files for. A few lines written between copy and truncate may be lost.
 */
public final class LogRotator implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(LogRotator.class);

    private final Path appsDir;
    private final long maxBytes;
    private final int keep;

    public LogRotator(Path appsDir, long maxBytes, int keep) {
        this.appsDir = appsDir;
        this.maxBytes = maxBytes;
        this.keep = keep;
    }

    @Override
    public void run() {
        if (!Files.isDirectory(appsDir)) {
            return;
        }
        try (DirectoryStream<Path> apps = Files.newDirectoryStream(appsDir)) {
            for (Path app : apps) {
                Path logs = app.resolve("logs");
                if (Files.isDirectory(logs)) {
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(logs, "*.log")) {
                        for (Path file : files) {
                            rotateIfLarge(file);
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("log rotation failed: {}", e.toString());
        }
    }

    void rotateIfLarge(Path file) throws IOException {
        if (!Files.isRegularFile(file) || Files.size(file) < maxBytes) {
            return;
        }
        Files.deleteIfExists(numbered(file, keep));
        for (int i = keep - 1; i >= 1; i--) {
            Path from = numbered(file, i);
            if (Files.exists(from)) {
                Files.move(from, numbered(file, i + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.copy(file, numbered(file, 1), StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
        log.info("rotated {}", file);
    }

    private static Path numbered(Path file, int n) {
        return file.resolveSibling(file.getFileName() + "." + n);
    }
}
