package dev.tide.agent.apply;

import dev.tide.agent.state.AppRecord;
import dev.tide.agent.state.EventLog;
import dev.tide.agent.state.LocalState;
import dev.tide.agent.supervise.Supervisor;
import dev.tide.agent.supervise.Workload;
import dev.tide.agent.upgrade.AgentRelease;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.EventType;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks after applications between deployments, every {@code --check-interval}: each one that is
 * HEALTHY or UNHEALTHY with a live process gets its release folder compared with what was prepared
 * ({@link DriftCheck}) and one health probe. Changed files are put back from the verified cached
 * artifact and the app restarted (DRIFTED); an app whose probe fails {@link #HUNG_AFTER} times in
 * a row is hung: marked UNHEALTHY and restarted through the {@link Supervisor} (RESTARTED, with its
 * backoff). Applications being applied, stopped or failed, and the agent itself, are left alone.
 * Runs on the agent's serial executor, so it never races an apply.
 */
public final class PeriodicCheck {
    private static final Logger log = LoggerFactory.getLogger(PeriodicCheck.class);

    /** Failed probes in a row after which a running application counts as hung. */
    public static final int HUNG_AFTER = 3;

    private static final int NAMED_FILES = 5;

    private final LocalState state;
    private final EventLog events;
    private final ReleasePreparer preparer;
    private final Supervisor supervisor;
    private final HealthChecker health;
    private final ArtifactCache cache;
    private final ReleaseApplier applier;
    private final Duration grace;
    private final DriftCheck drift;
    private final Map<String, Integer> failures = new HashMap<>();
    /** Drift already reported as impossible to restore, by app@version. */
    private final Set<String> unrestorable = new HashSet<>();

    /** Made by {@link Converger#periodicCheck}: it restores releases with the applier's parts. */
    PeriodicCheck(ReleaseApplier applier, ArtifactCache cache) {
        this.applier = applier;
        this.state = applier.state;
        this.events = applier.events;
        this.preparer = applier.preparer;
        this.supervisor = applier.supervisor;
        this.health = applier.health;
        this.grace = applier.grace;
        this.cache = cache;
        this.drift = new DriftCheck(applier.paths);
    }

    /** One round over the running applications; must run on the agent's serial executor. */
    public void run() throws InterruptedException {
        DriftCheck.Allowance allowance = DriftCheck.Allowance.perRound();
        for (Map.Entry<String, AppRecord> e : state.current().apps().entrySet()) {
            String app = e.getKey();
            AppRecord record = e.getValue();
            Optional<Workload> workload = supervisor.workload(app).filter(Workload::isAlive);
            if (AgentRelease.is(app)
                    || record.release() == null
                    || record.target() != null
                    || (record.state() != AppState.HEALTHY && record.state() != AppState.UNHEALTHY)
                    || workload.isEmpty()) {
                failures.remove(app); // being applied, stopped or restarted: start counting afresh
                continue;
            }
            ResolvedRelease resolved;
            try {
                resolved = preparer.resolve(record.release(), state.current().node());
            } catch (ApplyException ex) {
                continue; // it started with these settings: the same error made it fail before
            }
            if (!restoredDrift(app, record.release(), resolved, allowance)) {
                probe(app, record, resolved, workload.get());
            }
        }
    }

    private void probe(String app, AppRecord record, ResolvedRelease resolved, Workload workload)
            throws InterruptedException {
        HealthChecker.Result result = health.probe(resolved.health(), resolved.dir(), workload);
        if (result.healthy()) {
            failures.remove(app);
            if (record.state() == AppState.UNHEALTHY) {
                log.info("{}@{} is healthy again", app, record.release().getVersion());
                state.updateApp(app, r -> r.target() == null ? r.withState(AppState.HEALTHY, "") : r);
            }
            return;
        }
        int failed = failures.merge(app, 1, Integer::sum);
        log.warn("{}: check {} of {} failed: {}", app, failed, HUNG_AFTER, result.message());
        if (failed < HUNG_AFTER) {
            return; // a hiccup changes nothing
        }
        failures.remove(app);
        String cause = "hung: " + result.message() + " (" + failed + " checks in a row)";
        state.updateApp(app, r -> r.target() == null ? r.withState(AppState.UNHEALTHY, cause + "; restarting") : r);
        supervisor.restart(app, grace, cause);
    }

    /** True when the folder drifted: restored (or reported as beyond repair), and not probed this round. */
    private boolean restoredDrift(
            String app, AppRelease release, ResolvedRelease resolved, DriftCheck.Allowance allowance)
            throws InterruptedException {
        String version = release.getVersion();
        List<String> changed;
        try {
            changed = drift.changed(app, version, allowance);
        } catch (IOException e) {
            log.warn("{}@{}: cannot check its files: {}", app, version, e.toString());
            return false;
        }
        if (changed.isEmpty()) {
            String key = app + "@" + version;
            if (drift.clean(app)) {
                unrestorable.remove(key);
                return false;
            }
            return unrestorable.contains(key); // a drift not restored stays until every file was seen as prepared
        }
        String what = "release files changed on disk: " + named(changed);
        long gen = state.appliedGeneration();
        Optional<Path> artifact = verifiedArtifact(release);
        if (artifact.isEmpty()) {
            String message =
                    what + "; the cached artifact is gone, so they cannot be restored: deploy the release" + " again";
            if (unrestorable.add(app + "@" + version)) {
                log.warn("{}@{}: {}", app, version, message);
                events.add(gen, app, version, EventType.DRIFTED, message);
            }
            state.updateApp(app, r -> r.target() == null ? r.withState(AppState.UNHEALTHY, message) : r);
            return true;
        }
        log.warn("{}@{}: {}; restoring them from the verified artifact", app, version, what);
        failures.remove(app);
        supervisor.stop(app, grace); // before its folder is replaced under it
        Optional<String> failure = restore(app, release, artifact.get());
        drift.forget(app);
        String restored = what + "; restored from the verified artifact and restarted";
        String message = failure.map(f -> restored + ", but: " + f).orElse(restored);
        events.add(gen, app, version, EventType.DRIFTED, message);
        AppState after = failure.isEmpty() ? AppState.HEALTHY : AppState.UNHEALTHY;
        state.updateApp(app, r -> r.withState(after, message));
        return true;
    }

    /** Prepares the release again from the artifact, switches to it and starts it; empty when healthy. */
    private Optional<String> restore(String app, AppRelease release, Path artifact) throws InterruptedException {
        try {
            return applier.switchAndStart(
                    preparer.prepare(release, state.current().node(), artifact));
        } catch (ApplyException e) {
            state.updateApp(app, r -> r.withProcess(0, null));
            return Optional.of(e.getMessage());
        }
    }

    /** The release's artifact from the cache, if it is there and still matches its sha256. */
    private Optional<Path> verifiedArtifact(AppRelease release) {
        Optional<Path> cached = cache.complete(release.getArtifactSha256());
        try {
            if (cached.isPresent() && Sha256.hex(cached.get()).equals(release.getArtifactSha256())) {
                return cached;
            }
        } catch (IOException e) {
            log.warn("cannot read {}: {}", cached.get(), e.toString());
        }
        return Optional.empty();
    }

    private static String named(List<String> files) {
        String first = String.join(", ", files.subList(0, Math.min(NAMED_FILES, files.size())));
        return files.size() > NAMED_FILES ? first + " and " + (files.size() - NAMED_FILES) + " more" : first;
    }
}
