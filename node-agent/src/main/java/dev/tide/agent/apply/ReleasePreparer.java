package dev.tide.agent.apply;

import dev.tide.agent.state.AtomicFiles;
import dev.tide.agent.state.NodeContext;
import dev.tide.agent.supervise.AppUser;
import dev.tide.agent.supervise.Orphans;
import dev.tide.agent.supervise.WorkloadSpec;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.HealthCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Turns a release into a folder ready to start: resolves placeholders first (so a bad one fails
 * before anything is written), unpacks into a temporary folder, writes the config files, then
 * renames it to {@code apps/<app>/releases/<version>} and records what it holds ({@link
 * ReleaseManifest}, checked for drift later). A failure leaves no partial folder. The folder is the
 * agent's alone, or readable by the release's run-as user ({@link FileModes}).
 */
public final class ReleasePreparer {
    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,127}");
    private static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(30);

    private final AppPaths paths;
    private final UnpackLimits limits;
    private final RunAs runAs;

    public ReleasePreparer(AppPaths paths, UnpackLimits limits, RunAs runAs) {
        this.paths = paths;
        this.limits = limits;
        this.runAs = runAs;
    }

    public ResolvedRelease prepare(AppRelease release, NodeContext node, Path artifact) throws ApplyException {
        ResolvedRelease resolved = resolve(release, node);
        Map<String, String> configs = resolveConfigs(release, new Placeholders(node));
        Path releases = paths.releases(release.getApplication());
        Path tmp = releases.resolve(".tmp-" + release.getVersion() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            AtomicFiles.createPrivateDirectory(releases);
            AtomicFiles.createPrivateDirectory(tmp);
            Unpacker.unpack(artifact, release.getArtifactMediaType(), tmp, limits);
            for (Map.Entry<String, String> config : configs.entrySet()) {
                Unpacker.writeConfig(tmp, config.getKey(), config.getValue());
            }
            FileModes.protectRelease(tmp, resolved.spec().user());
            SafePaths.deleteTree(resolved.dir());
            Files.move(tmp, resolved.dir(), StandardCopyOption.ATOMIC_MOVE);
            ReleaseManifest.of(resolved.dir()).save(paths.manifest(release.getApplication(), release.getVersion()));
            return resolved;
        } catch (IOException e) {
            throw new ApplyException(
                    "cannot unpack " + release.getApplication() + "@" + release.getVersion() + ": " + e, e);
        } finally {
            SafePaths.deleteTree(tmp);
        }
    }

    /**
     * Resolves a release whose folder already exists (rollback, restart after agent restart). A
     * release that runs as another user gets its way through the data dir again.
     */
    public ResolvedRelease resolve(AppRelease release, NodeContext node) throws ApplyException {
        String app = release.getApplication();
        String version = release.getVersion();
        requireSafe(app, "application name");
        requireSafe(version, "version");
        AppUser user = runAs.userFor(release);
        if (user != null) {
            try {
                FileModes.openPathTo(paths, app, user);
            } catch (IOException e) {
                throw new ApplyException(
                        "cannot open the way to " + app + "'s folder for " + user.name() + ": " + e, e);
            }
        }
        Placeholders placeholders = new Placeholders(node);
        if (release.getStartCount() == 0) {
            throw new ApplyException("release " + app + "@" + version + " has no start command");
        }
        List<String> argv = new ArrayList<>();
        for (int i = 0; i < release.getStartCount(); i++) {
            argv.add(placeholders.resolve(release.getStart(i), "start[" + i + "]"));
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : new TreeMap<>(release.getEnvMap()).entrySet()) {
            env.put(e.getKey(), placeholders.resolve(e.getValue(), "env " + e.getKey()));
        }
        env.put("TIDE_APP", app);
        env.put("TIDE_VERSION", version);
        env.put("TIDE_NODE_NAME", node.name());
        env.put("TIDE_ENVIRONMENT", node.environment());
        // marks the process (and its children) as this agent's, so it is found if the agent loses its records
        env.put(Orphans.OWNER, Orphans.owner(paths.dataDir()));
        Path dir = paths.release(app, version);
        WorkloadSpec spec = new WorkloadSpec(app, version, dir, argv, env, paths.stdout(app), paths.stderr(app), user);
        return new ResolvedRelease(release, dir, spec, health(release.getHealthCheck(), placeholders, spec));
    }

    private static Map<String, String> resolveConfigs(AppRelease release, Placeholders placeholders)
            throws ApplyException {
        Map<String, String> configs = new TreeMap<>();
        for (Map.Entry<String, String> e : release.getConfigFilesMap().entrySet()) {
            String where = "config file " + e.getKey();
            configs.put(placeholders.resolve(e.getKey(), where), placeholders.resolve(e.getValue(), where));
        }
        return configs;
    }

    private static ResolvedHealthCheck health(HealthCheck check, Placeholders placeholders, WorkloadSpec app)
            throws ApplyException {
        Duration timeout =
                check.getTimeoutSeconds() > 0 ? Duration.ofSeconds(check.getTimeoutSeconds()) : DEFAULT_HEALTH_TIMEOUT;
        return switch (check.getKindCase()) {
            case HTTP ->
                new ResolvedHealthCheck(
                        ResolvedHealthCheck.Kind.HTTP,
                        port(check.getHttp().getPort(), placeholders),
                        check.getHttp().getPath(),
                        List.of(),
                        timeout,
                        app);
            case TCP ->
                new ResolvedHealthCheck(
                        ResolvedHealthCheck.Kind.TCP,
                        port(check.getTcp().getPort(), placeholders),
                        "/",
                        List.of(),
                        timeout,
                        app);
            case COMMAND -> {
                if (check.getCommand().getArgvCount() == 0) {
                    throw new ApplyException("health check command is empty");
                }
                List<String> argv = new ArrayList<>();
                for (String arg : check.getCommand().getArgvList()) {
                    argv.add(placeholders.resolve(arg, "health check command"));
                }
                yield new ResolvedHealthCheck(ResolvedHealthCheck.Kind.COMMAND, 0, "/", argv, timeout, app);
            }
            case KIND_NOT_SET ->
                new ResolvedHealthCheck(ResolvedHealthCheck.Kind.NONE, 0, "/", List.of(), timeout, app);
        };
    }

    private static int port(String text, Placeholders placeholders) throws ApplyException {
        String value = placeholders.resolve(text, "health check port");
        try {
            int port = Integer.parseInt(value.trim());
            if (port > 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ApplyException("health check port '" + text + "' resolved to '" + value + "', not a port");
    }

    private static void requireSafe(String name, String what) throws ApplyException {
        if (name == null || !SAFE_NAME.matcher(name).matches()) {
            throw new ApplyException("invalid " + what + " '" + name + "' (allowed: " + SAFE_NAME.pattern() + ")");
        }
    }
}
