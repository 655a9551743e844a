package dev.tide.agent.apply;

import dev.tide.agent.state.AgentState;
import dev.tide.agent.state.AtomicFiles;
import dev.tide.agent.supervise.AppUser;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the data dir's secrets from the applications and from other local users. The agent's own
 * files are owner-only; an application that runs as another user may pass through (search, not
 * list) the folders leading to its release folder, and reads that folder through its group:
 *
 * <pre>
 * data-dir/                     0700, 0701 while a release runs as another user
 *   identity.json, state.json   0600, as every file directly in the data dir
 *   artifacts/                  0700
 *   apps/ apps/A/ apps/A/releases/   0700, 0701 as above
 *   apps/A/logs/                0700
 *   apps/A/releases/V/          0700, or 0750 with the run-as user's group
 * </pre>
 *
 * On a file system without POSIX modes (an in-memory one in a bench) it does nothing.
 */
public final class FileModes {
    private static final Logger log = LoggerFactory.getLogger(FileModes.class);
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PASS_THROUGH = PosixFilePermissions.fromString("rwx-----x");
    private static final Set<PosixFilePermission> SHARED = PosixFilePermissions.fromString("rwxr-x---");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");

    private FileModes() {}

    /**
     * At agent start: creates the data dir owner-only, or takes away from an existing one every
     * permission other users should not have (logged). The folders leading to a running release
     * that runs as another user keep pass-through, so that application keeps working.
     */
    public static void secureDataDir(AppPaths paths, AgentState state) throws IOException {
        Path dataDir = paths.dataDir();
        AtomicFiles.createPrivateDirectory(dataDir);
        if (!AtomicFiles.hasPosixModes(dataDir)) {
            return;
        }
        Set<String> runAsApps = new HashSet<>();
        state.apps().forEach((app, record) -> {
            if (record.release() != null && !record.release().getRunAs().isEmpty()) {
                runAsApps.add(app);
            }
        });
        tighten(dataDir, runAsApps.isEmpty() ? OWNER_DIR : PASS_THROUGH);
        for (Path file : list(dataDir)) {
            if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                tighten(file, OWNER_FILE);
            }
        }
        tighten(paths.artifacts(), OWNER_DIR);
        tighten(paths.apps(), runAsApps.isEmpty() ? OWNER_DIR : PASS_THROUGH);
        for (Path app : list(paths.apps())) {
            Set<PosixFilePermission> path = runAsApps.contains(app.getFileName().toString()) ? PASS_THROUGH : OWNER_DIR;
            tighten(app, path);
            tighten(app.resolve("logs"), OWNER_DIR);
            tighten(app.resolve("releases"), path);
            for (Path release : list(app.resolve("releases"))) {
                tighten(release, SHARED);
            }
        }
    }

    /**
     * Lets {@code user} reach {@code app}'s release folders: pass-through on the folders in the data
     * dir; the folders above it must already allow it (the agent does not change what it does not own).
     */
    static void openPathTo(AppPaths paths, String app, AppUser user) throws ApplyException, IOException {
        Path dataDir = paths.dataDir();
        if (!AtomicFiles.hasPosixModes(dataDir)) {
            return;
        }
        for (Path above = dataDir.toRealPath().getParent(); above != null; above = above.getParent()) {
            if (!Files.getPosixFilePermissions(above).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new ApplyException("cannot run " + app + " as " + user.name() + ": " + above
                        + " above the data dir is not searchable by other users (chmod o+x " + above
                        + ", or use a --data-dir under folders they may pass through)");
            }
        }
        for (Path dir : new Path[] {dataDir, paths.apps(), paths.app(app), paths.releases(app)}) {
            AtomicFiles.createPrivateDirectory(dir);
            Set<PosixFilePermission> perms = EnumSet.copyOf(Files.getPosixFilePermissions(dir));
            if (perms.add(PosixFilePermission.OTHERS_EXECUTE)) {
                Files.setPosixFilePermissions(dir, perms);
            }
        }
    }

    /**
     * Sets a new release folder's modes before it is moved into place: the agent's alone, or
     * readable (not writable) by {@code user}'s group when the release runs as that user.
     */
    static void protectRelease(Path release, AppUser user) throws IOException {
        if (!AtomicFiles.hasPosixModes(release)) {
            return;
        }
        if (user == null) {
            Files.setPosixFilePermissions(release, OWNER_DIR);
            return;
        }
        try (Stream<Path> walk = Files.walk(release)) { // does not follow links
            for (Path p : (Iterable<Path>) walk::iterator) {
                Files.setAttribute(p, "unix:gid", (int) user.gid(), LinkOption.NOFOLLOW_LINKS);
                if (!Files.isSymbolicLink(p)) {
                    Set<PosixFilePermission> perms = EnumSet.copyOf(Files.getPosixFilePermissions(p));
                    perms.add(PosixFilePermission.GROUP_READ);
                    perms.remove(PosixFilePermission.GROUP_WRITE);
                    if (Files.isDirectory(p) || perms.contains(PosixFilePermission.OWNER_EXECUTE)) {
                        perms.add(PosixFilePermission.GROUP_EXECUTE);
                    }
                    Files.setPosixFilePermissions(p, perms);
                }
            }
        }
        Files.setPosixFilePermissions(release, SHARED);
    }

    /** Removes the permissions {@code path} has beyond {@code allowed}, and says so. */
    private static void tighten(Path path, Set<PosixFilePermission> allowed) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(path)) {
            return;
        }
        Set<PosixFilePermission> before = Files.getPosixFilePermissions(path);
        Set<PosixFilePermission> after = EnumSet.noneOf(PosixFilePermission.class);
        after.addAll(before);
        after.retainAll(allowed);
        if (!after.equals(before)) {
            Files.setPosixFilePermissions(path, after);
            log.warn(
                    "{} was accessible to other users ({}); tightened to {}",
                    path,
                    PosixFilePermissions.toString(before),
                    PosixFilePermissions.toString(after));
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            List<Path> all = new ArrayList<>();
            entries.forEach(all::add);
            return all;
        }
    }
}
