package dev.tide.cli.artifact;

import dev.tide.cli.CliException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Packs a release folder into the {@code .tar.gz} an agent unpacks: paths relative to the folder
 * (its content at the archive's root), directories, regular files (executable ones stay
 * executable) and symlinks that stay inside the folder. Nothing can point outside it: an absolute
 * or escaping symlink, or a special file, is refused naming it. The archive depends only on the
 * content (sorted entries, fixed time and owner), so packing the same folder twice uploads the
 * same artifact.
 */
public final class TarGzPacker {
    private static final FileTime FIXED_TIME = FileTime.fromMillis(946_684_800_000L); // 2000-01-01

    private TarGzPacker() {}

    /** Writes {@code dir} as a .tar.gz to {@code out}; returns how many entries it holds. */
    public static int pack(Path dir, OutputStream out) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw CliException.usage(dir + " is not a directory");
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = new ArrayList<>(walk.filter(p -> !p.equals(root)).toList());
        }
        paths.sort((a, b) -> name(root, a).compareTo(name(root, b)));
        int entries = 0;
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(out))) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Path p : paths) {
                String name = name(root, p);
                TarArchiveEntry entry;
                boolean regular = false;
                if (Files.isSymbolicLink(p)) {
                    entry = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
                    entry.setLinkName(insideLink(root, p, name));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    entry = new TarArchiveEntry(name + "/");
                    entry.setMode(TarArchiveEntry.DEFAULT_DIR_MODE);
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    entry = new TarArchiveEntry(name);
                    entry.setSize(Files.size(p));
                    entry.setMode(Files.isExecutable(p) ? 0100755 : 0100644);
                    regular = true;
                } else {
                    throw CliException.usage("cannot pack " + p + ": not a file, directory or symlink");
                }
                entry.setModTime(FIXED_TIME);
                entry.setIds(0, 0);
                entry.setNames("", "");
                tar.putArchiveEntry(entry);
                if (regular) {
                    Files.copy(p, tar);
                }
                tar.closeArchiveEntry();
                entries++;
            }
            tar.finish();
        }
        return entries;
    }

    /** The entry name: the path under the folder, with {@code /} between its parts. */
    static String name(Path root, Path p) {
        Path rel = root.relativize(p);
        List<String> parts = new ArrayList<>();
        for (Path part : rel) {
            String s = part.toString();
            if (s.equals("..") || s.equals(".") || s.isEmpty()) {
                throw CliException.usage("cannot pack " + p + ": it is not inside " + root);
            }
            parts.add(s);
        }
        return String.join("/", parts);
    }

    /** The link's target, when it is relative and ends inside the folder; else refused. */
    private static String insideLink(Path root, Path link, String name) throws IOException {
        Path target = Files.readSymbolicLink(link);
        if (target.isAbsolute()) {
            throw CliException.usage("cannot pack symlink " + name + " -> " + target
                    + ": an absolute target points outside the folder (make it relative)");
        }
        Path resolved = link.getParent().resolve(target).normalize();
        if (!resolved.startsWith(root)) {
            throw CliException.usage("cannot pack symlink " + name + " -> " + target + ": it points outside " + root);
        }
        return target.toString().replace(link.getFileSystem().getSeparator(), "/");
    }
}
