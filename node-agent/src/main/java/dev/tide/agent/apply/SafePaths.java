package dev.tide.agent.apply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Path checks that keep every write inside one folder, whatever links an archive brings. */
final class SafePaths {
    private SafePaths() {}

    /**
     * Resolves an archive entry or config file name under {@code root}, refusing absolute names
     * and any {@code ..} segment.
     */
    static Path resolve(Path root, String name, String what) throws ApplyException {
        String n = name == null ? "" : name;
        if (n.isEmpty()) {
            throw new ApplyException(what + " has an empty name");
        }
        if (n.startsWith("/") || n.startsWith("\\") || n.matches("^[A-Za-z]:.*")) {
            throw new ApplyException("unsafe " + what + " '" + n + "': absolute path");
        }
        for (String segment : n.split("[/\\\\]")) {
            if (segment.equals("..")) {
                throw new ApplyException("unsafe " + what + " '" + n + "': contains '..'");
            }
        }
        Path resolved = root.resolve(n).normalize();
        if (!resolved.startsWith(root) || resolved.equals(root)) {
            throw new ApplyException("unsafe " + what + " '" + n + "': outside the release folder");
        }
        return resolved;
    }

    /**
     * Creates the directories of {@code dir} (inside {@code root}) one by one without following a
     * link that leads outside, and returns the real path of {@code dir}.
     */
    static Path mkdirs(Path root, Path dir, String what) throws ApplyException, IOException {
        Path rootReal = root.toRealPath();
        Path current = root;
        for (Path segment : root.relativize(dir)) {
            current = current.resolve(segment);
            if (Files.isSymbolicLink(current)) {
                Path real;
                try {
                    real = current.toRealPath();
                } catch (IOException e) {
                    throw new ApplyException("unsafe " + what + ": link " + root.relativize(current) + " is dangling");
                }
                if (!real.startsWith(rootReal) || !Files.isDirectory(real)) {
                    throw new ApplyException("unsafe " + what + ": link " + root.relativize(current)
                            + " leads outside the release folder");
                }
            } else if (!Files.exists(current, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectory(current);
            } else if (!Files.isDirectory(current, LinkOption.NOFOLLOW_LINKS)) {
                throw new ApplyException("unsafe " + what + ": " + root.relativize(current) + " is not a directory");
            }
        }
        Path real = dir.toRealPath();
        if (!real.startsWith(rootReal)) {
            throw new ApplyException("unsafe " + what + ": " + root.relativize(dir) + " is outside the release folder");
        }
        return real;
    }

    /** Where to write a file named like {@code target}: its parent made safely, an old entry removed. */
    static Path prepareFile(Path root, Path target, String what) throws ApplyException, IOException {
        Path parent = mkdirs(root, target.getParent(), what);
        Path file = parent.resolve(target.getFileName().toString());
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new ApplyException("unsafe " + what + ": " + root.relativize(target) + " is a directory");
        }
        Files.deleteIfExists(file); // a link is removed, never followed
        return file;
    }

    /** Deletes a tree without following links. */
    static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(dir)) { // walk does not follow links by default
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
