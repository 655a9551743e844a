package dev.tide.agent.apply;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Unpacks an artifact into an empty release folder: a gzip file is a .tar.gz, media type
 * application/zip is a zip, anything else is kept as the single file {@code artifact}. Entries
 * that are absolute, contain {@code ..}, or are links leading outside the folder are refused
 * before anything is written outside it, and so are devices and fifos. An archive that decompresses
 * to more bytes, or holds more entries, than its {@link UnpackLimits} allow is refused as soon as it
 * crosses the limit; the caller deletes what was written (the release folder is a temporary one).
 */
public final class Unpacker {
    private Unpacker() {}

    public static void unpack(Path artifact, String mediaType, Path target, UnpackLimits limits)
            throws ApplyException, IOException {
        Files.createDirectories(target);
        Path root = target.toRealPath();
        List<Path> links = new ArrayList<>();
        Budget budget = new Budget(limits, Files.size(artifact));
        try {
            if (isGzip(artifact)) {
                untar(artifact, root, links, budget);
            } else if (isZip(mediaType)) {
                unzip(artifact, root, links, budget);
            } else {
                Path file = root.resolve("artifact");
                Files.copy(artifact, file);
                setMode(file, 0755);
            }
        } catch (IOException e) {
            throw Budget.refusal(e).orElseThrow(() -> e);
        }
        checkLinks(root, links);
    }

    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private static boolean isZip(String mediaType) {
        String m = mediaType == null ? "" : mediaType.toLowerCase(java.util.Locale.ROOT);
        return m.equals("application/zip") || m.equals("application/x-zip-compressed");
    }

    /** Counts the whole decompressed tar stream (headers, skipped data), not only the files written. */
    private static void untar(Path artifact, Path root, List<Path> links, Budget budget)
            throws ApplyException, IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(artifact));
                TarArchiveInputStream tar =
                        new TarArchiveInputStream(budget.count(new GzipCompressorInputStream(raw)))) {
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                String name = e.getName();
                if (name.equals("./") || name.equals(".")) {
                    continue;
                }
                budget.entry(name);
                Path dest = SafePaths.resolve(root, name, "archive entry");
                if (e.isDirectory()) {
                    SafePaths.mkdirs(root, dest, "archive entry '" + name + "'");
                } else if (e.isSymbolicLink()) {
                    links.add(symlink(root, dest, e.getLinkName(), name));
                } else if (e.isLink()) {
                    hardlink(root, dest, e.getLinkName(), name);
                } else if (e.isCharacterDevice() || e.isBlockDevice() || e.isFIFO()) {
                    // checked before isFile(), which holds for anything that is not a folder
                    throw new ApplyException("unsupported archive entry '" + name + "' (device or fifo)");
                } else if (e.isFile()) {
                    write(root, dest, tar, e.getMode(), name);
                } else {
                    throw new ApplyException(
                            "unsupported archive entry '" + name + "' (tar type '" + (char) e.getLinkFlag() + "')");
                }
            }
        }
    }

    private static void unzip(Path artifact, Path root, List<Path> links, Budget budget)
            throws ApplyException, IOException {
        try (ZipFile zip = ZipFile.builder().setPath(artifact).get()) {
            for (Enumeration<ZipArchiveEntry> en = zip.getEntries(); en.hasMoreElements(); ) {
                ZipArchiveEntry e = en.nextElement();
                String name = e.getName();
                budget.entry(name);
                Path dest = SafePaths.resolve(root, name, "archive entry");
                if (e.isDirectory()) {
                    SafePaths.mkdirs(root, dest, "archive entry '" + name + "'");
                } else if (e.isUnixSymlink()) {
                    links.add(symlink(root, dest, zip.getUnixSymlink(e), name));
                } else {
                    try (InputStream in = budget.count(zip.getInputStream(e))) {
                        write(root, dest, in, e.getUnixMode(), name);
                    }
                }
            }
        }
    }

    private static void write(Path root, Path dest, InputStream in, int mode, String name)
            throws ApplyException, IOException {
        Path file = SafePaths.prepareFile(root, dest, "archive entry '" + name + "'");
        Files.copy(in, file);
        setMode(file, (mode & 0100) != 0 ? 0755 : 0644);
    }

    private static Path symlink(Path root, Path dest, String linkTarget, String name)
            throws ApplyException, IOException {
        if (linkTarget == null || linkTarget.isEmpty() || linkTarget.startsWith("/")) {
            throw new ApplyException(
                    "unsafe archive entry '" + name + "': symlink to absolute path '" + linkTarget + "'");
        }
        Path resolved = dest.getParent().resolve(linkTarget).normalize();
        if (!resolved.startsWith(root)) {
            throw new ApplyException("unsafe archive entry '" + name + "': symlink to '" + linkTarget
                    + "' leads outside the release folder");
        }
        Path file = SafePaths.prepareFile(root, dest, "archive entry '" + name + "'");
        Files.createSymbolicLink(file, file.getFileSystem().getPath(linkTarget));
        return file;
    }

    private static void hardlink(Path root, Path dest, String linkTarget, String name)
            throws ApplyException, IOException {
        Path existing = SafePaths.resolve(root, linkTarget, "hard link target of '" + name + "'");
        if (!Files.isRegularFile(existing, LinkOption.NOFOLLOW_LINKS)
                || !existing.toRealPath().startsWith(root)) {
            throw new ApplyException("unsafe archive entry '" + name + "': hard link to '" + linkTarget
                    + "' is not a file inside the release folder");
        }
        Path file = SafePaths.prepareFile(root, dest, "archive entry '" + name + "'");
        Files.createLink(file, existing.toRealPath());
    }

    /** A link may also escape through another link (x -> y/.. with y -> .); check where each ends. */
    private static void checkLinks(Path root, List<Path> links) throws ApplyException {
        for (Path link : links) {
            try {
                Path real = link.toRealPath();
                if (!real.startsWith(root)) {
                    throw new ApplyException("unsafe archive entry '" + root.relativize(link)
                            + "': symlink leads outside the release folder");
                }
            } catch (IOException dangling) {
                // dangling inside the folder: checked lexically when created
            }
        }
    }

    private static void setMode(Path file, int mode) throws IOException {
        try {
            Files.setPosixFilePermissions(
                    file, PosixFilePermissions.fromString(mode == 0755 ? "rwxr-xr-x" : "rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
    }

    /** Writes a config file (relative path, placeholders already resolved) inside the folder. */
    public static void writeConfig(Path root, String relativePath, String content) throws ApplyException, IOException {
        Path realRoot = root.toRealPath();
        Path dest = SafePaths.resolve(realRoot, relativePath, "config file");
        Path file = SafePaths.prepareFile(realRoot, dest, "config file '" + relativePath + "'");
        Files.writeString(file, content, StandardOpenOption.CREATE_NEW);
    }
}
