package dev.tide.agent.apply;

import dev.tide.agent.state.AppRecord;
import dev.tide.agent.state.EventLog;
import dev.tide.agent.state.LocalState;
import dev.tide.agent.upgrade.AgentRelease;
import dev.tide.agent.upgrade.UpgradeFiles;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.EventType;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a release of the agent itself ({@link AgentRelease}): fetches and verifies the jar like
 * any artifact (sha256, and the release's signature before that), stages it, starts a trial and
 * asks for a restart once the generation is applied. The launcher then runs the new jar; the
 * running applications are left alone and re-adopted by the new agent.
 */
public final class SelfUpgrade {
    private static final Logger log = LoggerFactory.getLogger(SelfUpgrade.class);

    private final LocalState state;
    private final EventLog events;
    private final UpgradeFiles files;
    private final String runningVersion;
    private final Path runningJar;
    private final Duration trialTimeout;
    private final Clock clock;
    private volatile String restartInto;

    /**
     * @param files the launcher's upgrade folder; null when the agent was not started by the
     *     launcher, and so cannot restart into another jar
     * @param runningJar the jar this agent runs from (null when not run from a jar)
     */
    public SelfUpgrade(
            LocalState state,
            EventLog events,
            UpgradeFiles files,
            String runningVersion,
            Path runningJar,
            Duration trialTimeout,
            Clock clock) {
        this.state = state;
        this.events = events;
        this.files = files;
        this.runningVersion = runningVersion;
        this.runningJar = runningJar;
        this.trialTimeout = trialTimeout;
        this.clock = clock;
    }

    /**
     * True when the desired agent version is the one running. Otherwise stages the new jar and
     * {@link #restartRequested()} says so; throws only a transient {@link ApplyException}.
     */
    boolean apply(long gen, AppRelease desired, ArtifactSource source) throws ApplyException, InterruptedException {
        String app = desired.getApplication();
        String version = desired.getVersion();
        AppRecord record = state.app(app);
        if (version.equals(runningVersion)) {
            if (record.target() != null || record.state() != AppState.HEALTHY || !desired.equals(record.release())) {
                state.updateApp(
                        app,
                        r -> r.withReleases(desired, r.release())
                                .withTarget(null)
                                .withState(AppState.HEALTHY, ""));
                for (EventType type : List.of(EventType.DELIVERED, EventType.APPLIED, EventType.BECAME_HEALTHY)) {
                    events.add(gen, app, version, type, "agent " + version + " is running");
                }
            }
            return true;
        }
        if (files == null || runningJar == null) {
            fail(
                    gen,
                    desired,
                    "this agent was not started by the tide-agent launcher, which restarts it into a new"
                            + " version; see docs/install.md");
            return false;
        }
        state.updateApp(app, r -> r.withTarget(desired).withState(AppState.FETCHING, ""));
        events.add(gen, app, version, EventType.DELIVERED, "");
        Path artifact;
        try {
            artifact = source.fetch(desired);
        } catch (ApplyException e) {
            if (e.isTransient()) {
                throw e;
            }
            fail(gen, desired, e.getMessage());
            return false;
        }
        try {
            checkAgentJar(artifact);
            Path jar = files.stage(artifact, version, desired.getArtifactSha256());
            files.beginTrial(
                    new UpgradeFiles.Trial(
                            runningJar.toString(), version, gen, clock.instant().plus(trialTimeout), null),
                    jar);
            state.updateApp(app, r -> r.withState(AppState.STARTING, "restarting into agent " + version));
            events.add(gen, app, version, EventType.APPLIED, "staged " + jar.getFileName() + "; restarting into it");
            log.info("agent {} staged as {}; restarting into it once generation {} is applied", version, jar, gen);
            restartInto = version;
            return false;
        } catch (ApplyException e) {
            fail(gen, desired, e.getMessage());
        } catch (IOException e) {
            fail(gen, desired, "cannot stage the agent jar: " + e.getMessage());
        }
        return false;
    }

    /** The version a staged upgrade restarts into, or null. */
    String restartRequested() {
        return restartInto;
    }

    private void fail(long gen, AppRelease desired, String reason) {
        log.warn("agent {} not applied: {}", desired.getVersion(), reason);
        events.add(gen, desired.getApplication(), desired.getVersion(), EventType.APPLY_FAILED, reason);
        state.updateApp(
                desired.getApplication(),
                r -> r.withTarget(desired)
                        .withState(AppState.FAILED, reason + "; agent " + runningVersion + " keeps running"));
    }

    /** A jar that names a main class: anything else would not even start, and need a revert. */
    private static void checkAgentJar(Path artifact) throws ApplyException {
        try (JarFile jar = new JarFile(artifact.toFile(), true)) {
            Manifest manifest = jar.getManifest();
            String main = manifest == null ? null : manifest.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
            if (main == null || main.isBlank()) {
                throw new ApplyException("the artifact is not an agent jar: its manifest names no Main-Class");
            }
        } catch (IOException e) {
            throw new ApplyException("the artifact is not an agent jar: " + e.getMessage());
        }
    }
}
