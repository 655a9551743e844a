package dev.tide.agent.apply;

import dev.tide.agent.state.AppRecord;
import dev.tide.agent.state.EventLog;
import dev.tide.agent.state.LocalState;
import dev.tide.agent.state.NodeContext;
import dev.tide.agent.supervise.Supervisor;
import dev.tide.agent.supervise.Workload;
import dev.tide.agent.upgrade.AgentRelease;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.EventType;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the node to a desired state: stops applications no longer desired, then applies the
 * others in dependency order, skipping those already running the desired release. A generation at
 * or below the applied one is a no-op; a generation is recorded as applied once finished, failed
 * or not, so a failed generation is not retried until the generation changes. Same path for pull
 * and push; only the {@link ArtifactSource} differs.
 */
public final class Converger {
    private static final Logger log = LoggerFactory.getLogger(Converger.class);

    /** What a call did. */
    public enum Outcome {
        /** The generation was already applied. */
        UNCHANGED,
        /** The generation was applied (some applications may have failed; see the state). */
        APPLIED,
        /** A transient problem (control plane unreachable): try the same generation again later. */
        RETRY_LATER
    }

    private final LocalState state;
    private final EventLog events;
    private final ReleaseApplier applier;
    private final Supervisor supervisor;
    private final Duration grace;
    private final Supplier<NodeContext> fallbackNode;
    private final Pruner pruner;
    private final ReleaseTrust trust;
    private final SelfUpgrade selfUpgrade;
    private final Consumer<String> restartInto;

    public Converger(
            LocalState state,
            EventLog events,
            ReleasePreparer preparer,
            Supervisor supervisor,
            HealthChecker health,
            AppPaths paths,
            Duration grace,
            Supplier<NodeContext> fallbackNode,
            ReleaseTrust trust,
            SelfUpgrade selfUpgrade,
            Consumer<String> restartInto) {
        this.state = state;
        this.selfUpgrade = selfUpgrade;
        this.restartInto = restartInto;
        this.trust = trust;
        this.events = events;
        this.supervisor = supervisor;
        this.grace = grace;
        this.fallbackNode = fallbackNode;
        this.applier = new ReleaseApplier(state, events, preparer, supervisor, health, paths, grace);
        this.pruner = new Pruner(paths);
    }

    /** Must run on the agent's serial executor. */
    public Outcome converge(DesiredState desired, ArtifactSource source) throws InterruptedException {
        long gen = desired.getGeneration();
        if (gen <= state.appliedGeneration()) {
            log.debug("generation {} already applied", gen);
            return Outcome.UNCHANGED;
        }
        log.info("applying generation {} ({} applications)", gen, desired.getApplicationsCount());
        NodeContext node = nodeOf(desired);
        state.update(s -> s.withNode(node));
        trust.offer(desired.getReleaseKeys());
        stopUndesired(desired);
        DependencyOrder.Result order = DependencyOrder.sort(desired.getApplicationsList());
        Set<String> onNode = desired.getApplicationsList().stream()
                .map(AppRelease::getApplication)
                .collect(Collectors.toSet());
        Set<String> healthy = new HashSet<>();
        try {
            for (AppRelease release : order.ordered()) {
                Optional<String> blocker = release.getDependsOnList().stream()
                        .filter(d -> onNode.contains(d) && !healthy.contains(d))
                        .findFirst();
                if (blocker.isPresent()) {
                    applier.failWithoutSwitch(
                            gen, release, "dependency " + blocker.get() + " is not healthy; not started");
                } else if (AgentRelease.is(release.getApplication())) {
                    Optional<String> refused = trust.refusal(release, state.app(release.getApplication()));
                    if (refused.isPresent()) {
                        applier.failWithoutSwitch(gen, release, refused.get());
                    } else if (selfUpgrade.apply(gen, release, source)) {
                        healthy.add(release.getApplication());
                    }
                } else if (alreadyRunning(gen, release)) {
                    healthy.add(release.getApplication());
                } else {
                    // Before anything is fetched or stopped: a refused release leaves the running one serving.
                    Optional<String> refused = trust.refusal(release, state.app(release.getApplication()));
                    if (refused.isPresent()) {
                        applier.failWithoutSwitch(gen, release, refused.get());
                    } else if (applier.apply(gen, release, node, source)) {
                        healthy.add(release.getApplication());
                    }
                }
            }
        } catch (ApplyException e) {
            log.warn("generation {} paused: {}", gen, e.getMessage());
            return Outcome.RETRY_LATER;
        }
        for (AppRelease release : order.cyclic()) {
            applier.failWithoutSwitch(gen, release, "dependency cycle through " + release.getDependsOnList());
        }
        state.update(s -> s.withAppliedGeneration(gen));
        log.info("generation {} applied", gen);
        pruner.prune(state.current(), desired);
        String upgrade = selfUpgrade.restartRequested();
        if (upgrade != null) {
            restartInto.accept(upgrade); // last: every other application of the generation is applied
        }
        return Outcome.APPLIED;
    }

    private NodeContext nodeOf(DesiredState desired) {
        NodeContext fallback = fallbackNode.get();
        return new NodeContext(
                desired.getNodeName().isEmpty() ? fallback.name() : desired.getNodeName(),
                desired.getEnvironment().isEmpty() ? fallback.environment() : desired.getEnvironment(),
                desired.getLabelsCount() == 0 ? fallback.labels() : desired.getLabelsMap());
    }

    private void stopUndesired(DesiredState desired) throws InterruptedException {
        Set<String> wanted = desired.getApplicationsList().stream()
                .map(AppRelease::getApplication)
                .collect(Collectors.toSet());
        for (Map.Entry<String, AppRecord> e : state.current().apps().entrySet()) {
            String app = e.getKey();
            if (AgentRelease.is(app) && !wanted.contains(app)) {
                state.updateApp(app, r -> null); // the agent keeps running as it is: nothing to stop
            } else if (!wanted.contains(app) && e.getValue().state() != AppState.STOPPED) {
                supervisor.stop(app, grace);
                state.updateApp(
                        app,
                        r -> new AppRecord(
                                r.release(), null, null, 0, null, AppState.STOPPED, "no longer desired on this node"));
                log.info("stopped {}: no longer desired", app);
            }
        }
    }

    /**
     * True when the release already runs (unchanged application, or the desired release is the one
     * a failed apply was rolled back to). Changes nothing but the reported state.
     */
    private boolean alreadyRunning(long gen, AppRelease desired) {
        String app = desired.getApplication();
        AppRecord record = state.app(app);
        boolean alive = supervisor.workload(app).map(Workload::isAlive).orElse(false);
        if (!alive || !sameRelease(record.release(), desired)) {
            return false;
        }
        if (record.target() == null) {
            return record.state() == AppState.HEALTHY;
        }
        state.updateApp(
                app, r -> r.withReleases(desired, r.previous()).withTarget(null).withState(AppState.HEALTHY, ""));
        for (EventType type : List.of(EventType.DELIVERED, EventType.APPLIED, EventType.BECAME_HEALTHY)) {
            events.add(gen, app, desired.getVersion(), type, "already running");
        }
        return true;
    }

    private static boolean sameRelease(AppRelease running, AppRelease desired) {
        return running != null
                && running.toBuilder()
                        .clearDependsOn()
                        .build()
                        .equals(desired.toBuilder().clearDependsOn().build());
    }
}
