package dev.tide.agent.apply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.ThreadLocalRandom;

/** The {@code apps/<app>/current} symlink, switched atomically (new link, then rename over). */
public final class CurrentLink {
    private CurrentLink() {}

    public static void switchTo(Path appDir, Path releaseDir) throws IOException {
        Path link = appDir.resolve("current");
        Path tmp = appDir.resolve(
                ".current-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        Files.createSymbolicLink(tmp, appDir.relativize(releaseDir));
        try {
            Files.move(tmp, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static void remove(Path appDir) throws IOException {
        Files.deleteIfExists(appDir.resolve("current"));
    }
}
