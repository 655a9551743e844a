package dev.tide.agent.apply;

import java.nio.file.Path;

/** The agent's data-dir layout for artifacts and applications. */
public record AppPaths(Path dataDir) {
    public Path artifacts() {
        return dataDir.resolve("artifacts");
    }

    public Path apps() {
        return dataDir.resolve("apps");
    }

    public Path app(String app) {
        return apps().resolve(app);
    }

    public Path releases(String app) {
        return app(app).resolve("releases");
    }

    public Path release(String app, String version) {
        return releases(app).resolve(version);
    }

    /**
     * What {@code app}'s release folder held when it was prepared ({@link ReleaseManifest}): in
     * the agent's own part of the data dir, where an app that writes to its folder cannot reach.
     */
    public Path manifest(String app, String version) {
        return dataDir.resolve("manifests").resolve(app).resolve(version + ".json");
    }

    public Path stdout(String app) {
        return app(app).resolve("logs").resolve("stdout.log");
    }

    public Path stderr(String app) {
        return app(app).resolve("logs").resolve("stderr.log");
    }
}
