package dev.tide.agent.apply;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import com.google.gson.reflect.TypeToken;
import dev.tide.agent.state.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The regular files a release folder held right after it was prepared (the artifact's files and
 * the config files), by path relative to the folder: size, modification time and sha256. Kept
 * under {@link AppPaths#manifest}, never in the release folder, so that an application writing to
 * its folder cannot rewrite what it is checked against. Files the application adds later are not
 * in it, and are left alone ({@link DriftCheck}).
 */
record ReleaseManifest(Map<String, FileEntry> files) {
    private static final Gson GSON = new Gson();

    /** One file as prepared; {@code mtimeNanos} since the epoch, as the file system reports it. */
    record FileEntry(long size, long mtimeNanos, String sha256) {}

    ReleaseManifest {
        files = new TreeMap<>(files);
    }

    /**
     * Reads every regular file under {@code dir}. Symbolic links (the unpacker lets them point
     * inside the folder only) are not recorded: the files they point to are.
     */
    static ReleaseManifest of(Path dir) throws IOException {
        Map<String, FileEntry> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : (Iterable<Path>) walk::iterator) {
                BasicFileAttributes attrs =
                        Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (attrs.isRegularFile()) {
                    files.put(relative(dir, file), entry(file, attrs, Sha256.hex(file)));
                }
            }
        }
        return new ReleaseManifest(files);
    }

    static FileEntry entry(Path file, BasicFileAttributes attrs, String sha256) {
        return new FileEntry(attrs.size(), attrs.lastModifiedTime().to(TimeUnit.NANOSECONDS), sha256);
    }

    /** The manifest saved for a release; empty when there is none (prepared by an older agent). */
    static Optional<ReleaseManifest> load(Path file) throws IOException {
        try {
            String json = Files.readString(file, StandardCharsets.UTF_8);
            Map<String, FileEntry> files = GSON.fromJson(json, new TypeToken<Map<String, FileEntry>>() {}.getType());
            return Optional.of(new ReleaseManifest(files == null ? Map.of() : files));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (JsonParseException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    void save(Path file) throws IOException {
        AtomicFiles.createPrivateDirectory(file.getParent());
        AtomicFiles.write(file, GSON.toJson(files).getBytes(StandardCharsets.UTF_8), true);
    }

    private static String relative(Path dir, Path file) {
        return dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }
}
