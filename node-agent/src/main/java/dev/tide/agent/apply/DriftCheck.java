package dev.tide.agent.apply;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Compares running release folders with their {@link ReleaseManifest}s, cheaply: a file whose size
 * and modification time are as prepared counts as unchanged; only a file of the same size with
 * another modification time is hashed. The files of the manifest (the artifact's and the config
 * files) must match; files an application added are left alone.
 *
 * <p>One round (all applications together) looks at no more than {@link Allowance#FILES} files and
 * hashes no more than {@link Allowance#BYTES} bytes (a file started is hashed whole), so a huge
 * release cannot hold the serial executor: its folder is covered over several rounds, each
 * continuing where the last one stopped.
 */
final class DriftCheck {
    /** What one round may still do. */
    static final class Allowance {
        static final int FILES = 10_000;
        static final long BYTES = 64L << 20;

        int files;
        long bytes;

        Allowance(int files, long bytes) {
            this.files = files;
            this.bytes = bytes;
        }

        static Allowance perRound() {
            return new Allowance(FILES, BYTES);
        }
    }

    /** A manifest as read, with the order files are checked in and where the next round starts. */
    private static final class Loaded {
        final String version;
        final FileTime savedAt;
        final ReleaseManifest manifest;
        final List<String> names;
        int next;
        /** Files found unchanged in a row, across rounds: the whole folder once it reaches names.size(). */
        int cleanRun;

        Loaded(String version, FileTime savedAt, ReleaseManifest manifest) {
            this.version = version;
            this.savedAt = savedAt;
            this.manifest = manifest;
            this.names = new ArrayList<>(manifest.files().keySet());
        }
    }

    private final AppPaths paths;
    private final Map<String, Loaded> byApp = new HashMap<>();

    DriftCheck(AppPaths paths) {
        this.paths = paths;
    }

    /**
     * The files of the release that differ from its manifest ("path (changed)", "path
     * (missing)"), among those this round got to; empty when none did or the release has no
     * manifest (prepared by an agent before manifests).
     */
    List<String> changed(String app, String version, Allowance allowance) throws IOException {
        Optional<Loaded> found = load(app, version);
        if (found.isEmpty()) {
            return List.of();
        }
        Loaded loaded = found.get();
        Path dir = paths.release(app, version);
        List<String> changed = new ArrayList<>();
        boolean refreshed = false;
        int size = loaded.names.size();
        for (int seen = 0; seen < size && allowance.files > 0; seen++) {
            String name = loaded.names.get(loaded.next);
            ReleaseManifest.FileEntry expected = loaded.manifest.files().get(name);
            Path file = dir.resolve(name);
            BasicFileAttributes attrs;
            try {
                attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                attrs = null;
            }
            ReleaseManifest.FileEntry now = attrs == null || !attrs.isRegularFile() ? null : entry(attrs, expected);
            if (now != null && now.size() == expected.size() && now.mtimeNanos() != expected.mtimeNanos()) {
                if (allowance.bytes <= 0) {
                    break; // this file is hashed first next round
                }
                allowance.bytes -= now.size();
                String sha = Sha256.hex(file);
                if (sha.equals(expected.sha256())) {
                    loaded.manifest.files().put(name, ReleaseManifest.entry(file, attrs, sha)); // touched, not changed
                    refreshed = true;
                } else {
                    now = null;
                }
            }
            allowance.files--;
            loaded.next = (loaded.next + 1) % size;
            if (now == null || now.size() != expected.size()) {
                changed.add(name + (attrs == null ? " (missing)" : " (changed)"));
                loaded.cleanRun = 0;
            } else {
                loaded.cleanRun++;
            }
        }
        if (refreshed) {
            loaded.manifest.save(paths.manifest(app, version));
            Loaded again = new Loaded(version, savedAt(app, version), loaded.manifest);
            again.next = loaded.next;
            again.cleanRun = loaded.cleanRun;
            byApp.put(app, again);
        }
        return changed;
    }

    /**
     * True when every file of the app's manifest was last found unchanged (a large folder takes
     * several rounds to cover), or the app has no manifest.
     */
    boolean clean(String app) {
        Loaded loaded = byApp.get(app);
        return loaded == null || loaded.cleanRun >= loaded.names.size();
    }

    /** Forgets what was read for {@code app}: its release was prepared again. */
    void forget(String app) {
        byApp.remove(app);
    }

    /** Size and time now; the expected sha256 stands in until the file is hashed. */
    private static ReleaseManifest.FileEntry entry(BasicFileAttributes attrs, ReleaseManifest.FileEntry expected) {
        return new ReleaseManifest.FileEntry(
                attrs.size(),
                attrs.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS),
                expected.sha256());
    }

    private Optional<Loaded> load(String app, String version) throws IOException {
        FileTime savedAt = savedAt(app, version);
        if (savedAt == null) {
            byApp.remove(app);
            return Optional.empty();
        }
        Loaded known = byApp.get(app);
        if (known != null && known.version.equals(version) && known.savedAt.equals(savedAt)) {
            return Optional.of(known);
        }
        Optional<ReleaseManifest> manifest = ReleaseManifest.load(paths.manifest(app, version));
        manifest.ifPresentOrElse(m -> byApp.put(app, new Loaded(version, savedAt, m)), () -> byApp.remove(app));
        return Optional.ofNullable(byApp.get(app));
    }

    private FileTime savedAt(String app, String version) throws IOException {
        try {
            return Files.getLastModifiedTime(paths.manifest(app, version));
        } catch (NoSuchFileException e) {
            return null;
        }
    }
}
