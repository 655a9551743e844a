package dev.tide.controlplane.deployment;

import dev.tide.controlplane.application.ApplicationService;
import dev.tide.controlplane.application.DependencyGraph;
import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.node.DesiredStateWriter;
import dev.tide.controlplane.node.NodeRepository;
import dev.tide.controlplane.system.DatabaseOutage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The rollout orchestrator. It drives each deployment from its state in PostgreSQL, one step at
 * a time, the same way for push and pull:
 *
 * <ul>
 *   <li>applications roll stage by stage in dependency order: nothing of a stage is released
 *       until every target of the stages below it has finished, on every node;
 *   <li>within a stage, nodes roll in waves (canary first); the next wave is released when every
 *       target of the current one is healthy or failed, after the strategy's pause;
 *   <li>past the failure threshold (or on any canary failure) nothing more is released and, with
 *       auto-rollback, the previous releases are put back, dependents first;
 *   <li>pause, resume, cancel and rollback come from operators through {@link DeploymentService}.
 * </ul>
 *
 * <p>"Released" means written into the node's desired state: push sessions send it at once,
 * pulling agents pick it up on their next poll or watch. That is how pull is gated. Every step
 * runs in one transaction with the deployment row locked and is re-derived from the database,
 * so a control plane restarted mid-deployment resumes where it was: nothing is released twice
 * and nothing is skipped.
 *
 * <p>Replicas on one database need no leader for this. The row lock makes every step run once,
 * by whichever replica locks the deployment first, and the next locker re-derives from what that
 * one committed. Every replica's tick sweeps every active deployment but skips one whose row is
 * held elsewhere ({@code SKIP LOCKED}) instead of queueing behind it, so replicas advance
 * different deployments side by side; a replica that dies holds no lock, and a survivor's next
 * tick takes its deployments over, pauses between waves and time-outs included (they are kept
 * in the deployment and target rows, not in the replica). Changes (status, operator actions) wait
 * for the lock, so none is left unexamined.
 */
@Component
public class DeploymentExecutor implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(DeploymentExecutor.class);

    private final DeploymentRepository deployments;
    private final DeploymentTargetRepository targets;
    private final DesiredStateWriter writer;
    private final NodeRepository nodes;
    private final ApplicationService applications;
    private final AuditService audit;
    private final DeploymentJournal journal;
    private final DeploymentMeters meters;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final ScheduledExecutorService rollout = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tide-rollout");
        t.setDaemon(true);
        return t;
    });
    /** Status batches, the tick and the API ask for the same deployment at once: one pass serves them. */
    private final KeyedCoalescer<UUID> passes = new KeyedCoalescer<>(rollout, id -> advanceQuietly(id, false));
    /** The tick's passes: a deployment another replica (or transaction) holds is left to it. */
    private final KeyedCoalescer<UUID> sweeps = new KeyedCoalescer<>(rollout, id -> advanceQuietly(id, true));

    DeploymentExecutor(
            DeploymentRepository deployments,
            DeploymentTargetRepository targets,
            DesiredStateWriter writer,
            NodeRepository nodes,
            ApplicationService applications,
            AuditService audit,
            DeploymentJournal journal,
            DeploymentMeters meters,
            TransactionTemplate tx,
            Clock clock) {
        this.deployments = deployments;
        this.targets = targets;
        this.writer = writer;
        this.nodes = nodes;
        this.applications = applications;
        this.audit = audit;
        this.journal = journal;
        this.meters = meters;
        this.tx = tx;
        this.clock = clock;
    }

    @TransactionalEventListener
    void onRequested(DeploymentRequested event) {
        refresh(List.of(event.deploymentId()));
    }

    /** Re-examines these deployments soon; requests for one already queued are merged. */
    public void refresh(Collection<UUID> deploymentIds) {
        deploymentIds.forEach(passes::request);
    }

    /** Resumes what a restart interrupted, ends pauses between waves, times out stuck targets. */
    @Scheduled(fixedDelayString = "${tide.deployments.tick:2s}", initialDelayString = "${tide.deployments.tick:2s}")
    void tick() {
        try {
            deployments.findAllByStateIn(DeploymentState.ACTIVE).stream()
                    .map(Deployment::getId)
                    .forEach(sweeps::request);
        } catch (RuntimeException e) {
            if (!DatabaseOutage.is(e)) {
                throw e;
            }
            log.warn("Deployments not examined: the database is unavailable ({}); next tick", e.getMessage());
        }
    }

    private void advanceQuietly(UUID id, boolean unlessBusy) {
        try {
            advance(id, unlessBusy);
        } catch (RuntimeException e) {
            log.warn("Deployment {}: step failed, retrying on the next tick: {}", id, e.toString());
        }
    }

    /** Takes every step this deployment can take now. */
    void advance(UUID deploymentId) {
        advance(deploymentId, false);
    }

    /** Takes every step it can now; with {@code unlessBusy}, none while another transaction holds it. */
    private void advance(UUID deploymentId, boolean unlessBusy) {
        tx.executeWithoutResult(status -> {
            Deployment d = (unlessBusy
                            ? deployments.findForUpdateUnlessBusy(deploymentId)
                            : deployments.findForUpdate(deploymentId))
                    .orElse(null);
            if (d == null || !DeploymentState.ACTIVE.contains(d.getState())) {
                return;
            }
            Instant now = clock.instant();
            if (d.getState() == DeploymentState.RUNNING && currentStepStillInFlight(d, now)) {
                return; // the common case while agents report: decided from counts, no target loaded
            }
            List<DeploymentTarget> all =
                    targets.findAllByDeploymentIdOrderByStageAscWaveAscNodeNameAscApplicationAsc(deploymentId);
            if (d.getState() == DeploymentState.PENDING) {
                d.transition(DeploymentState.RUNNING, "rolling out", now);
                journal.deployment(deploymentId, "running", "rolling out");
            }
            timeOut(d, all, now);
            if (d.getState() == DeploymentState.ROLLING_BACK) {
                rollBack(d, all, now);
            } else {
                rollForward(d, all, now);
            }
        });
    }

    /**
     * Whether a running deployment has nothing to do now, decided from its target counts: nothing
     * past the failure threshold, no canary failed, no target past its deadline, and the current
     * step still has targets in flight. Exactly the cases in which {@link #rollForward} would
     * return without a change; everything else takes the full path.
     */
    private boolean currentStepStillInFlight(Deployment d, Instant now) {
        List<DeploymentTargetRepository.StepCount> counts = targets.countBySteps(d.getId());
        Strategy strategy = d.getStrategy();
        long total = 0;
        long failed = 0;
        for (DeploymentTargetRepository.StepCount c : counts) {
            total += c.count();
            if (c.state() == TargetState.FAILED) {
                failed += c.count();
                if (strategy.canary() > 0 && c.wave() == 0) {
                    return false;
                }
            }
            if (c.state() == TargetState.REVERTING) {
                return false;
            }
        }
        if (failed > strategy.threshold().atMost((int) total)) {
            return false;
        }
        Instant deadline = now.minusSeconds(strategy.targetTimeoutSeconds());
        DeploymentTargetRepository.StepCount current = null;
        for (DeploymentTargetRepository.StepCount c : counts) {
            if (TargetProgress.IN_FLIGHT.contains(c.state())
                    && c.oldestDesiredAt() != null
                    && c.oldestDesiredAt().isBefore(deadline)) {
                return false; // a target timed out
            }
            if (!c.state().isTerminal()
                    && (current == null
                            || c.stage() < current.stage()
                            || (c.stage() == current.stage() && c.wave() < current.wave()))) {
                current = c;
            }
        }
        if (current == null) {
            return false; // every target finished: the deployment does
        }
        int stage = current.stage();
        int wave = current.wave();
        return counts.stream()
                .anyMatch(c -> c.stage() == stage && c.wave() == wave && TargetProgress.IN_FLIGHT.contains(c.state()));
    }

    private void rollForward(Deployment d, List<DeploymentTarget> all, Instant now) {
        Strategy strategy = d.getStrategy();
        long failed = count(all, TargetState.FAILED);
        int tolerated = strategy.threshold().atMost(all.size());
        boolean canaryFailed = strategy.canary() > 0
                && all.stream().anyMatch(t -> t.getWave() == 0 && t.getState() == TargetState.FAILED);
        boolean stopping = canaryFailed || failed > tolerated;
        if (stopping) {
            String why = canaryFailed
                    ? "a canary target failed"
                    : failed + " of " + all.size() + " target(s) failed, more than the " + tolerated + " tolerated";
            skipPending(all, "the deployment stopped: " + why, now);
            if (strategy.autoRollback()) {
                transition(d, DeploymentState.ROLLING_BACK, why + "; rolling back", now);
                rollBack(d, all, now);
                return;
            }
            if (!d.getMessage().startsWith("stopping")) {
                d.transition(d.getState(), "stopping: " + why + "; waiting for the targets in flight", now);
                journal.deployment(d.getId(), "stopping", why);
            }
        }
        if (d.getState() == DeploymentState.CANCELLING) {
            skipPending(all, "the deployment was cancelled", now);
        }
        if (all.stream().allMatch(t -> t.getState().isTerminal())) {
            finish(d, all, now);
            return;
        }
        if (d.getState() != DeploymentState.RUNNING) {
            return; // paused or cancelling: nothing new is released
        }
        List<Step> steps = Step.of(all);
        Step current = steps.stream().filter(s -> !s.finished()).findFirst().orElseThrow();
        if (current.inFlight() > 0) {
            return;
        }
        int index = steps.indexOf(current);
        if (index > 0 && strategy.pauseSeconds() > 0) {
            if (d.getNextStepAt() == null) {
                Instant at = now.plusSeconds(strategy.pauseSeconds());
                d.setNextStepAt(at);
                String message = "waiting " + strategy.pauseSeconds() + "s before " + current.describe();
                d.transition(d.getState(), message, now);
                journal.step(d.getId(), "waiting", current.stage(), current.wave(), message);
                schedule(d.getId(), at, now);
                return;
            }
            if (now.isBefore(d.getNextStepAt())) {
                return; // the nudge scheduled with the pause (or, after a restart, the tick) comes back
            }
        }
        d.setNextStepAt(null);
        release(d, current, all, now);
    }

    /** Puts the pending targets of one step into their nodes' desired state. */
    private void release(Deployment d, Step step, List<DeploymentTarget> all, Instant now) {
        Map<UUID, List<DeploymentTarget>> byNode = step.targets().stream()
                .filter(t -> t.getState() == TargetState.PENDING)
                .collect(Collectors.groupingBy(DeploymentTarget::getNodeId, LinkedHashMap::new, Collectors.toList()));
        Map<String, Set<String>> dependencies = dependencies(step, all);
        Map<UUID, List<DeploymentTarget>> allByNode = dependencies.isEmpty()
                ? Map.of()
                : all.stream().collect(Collectors.groupingBy(DeploymentTarget::getNodeId));
        Map<UUID, List<DeploymentTarget>> ready = new LinkedHashMap<>();
        Map<UUID, Map<String, UUID>> releasesByNode = new LinkedHashMap<>();
        for (Map.Entry<UUID, List<DeploymentTarget>> e : byNode.entrySet()) {
            List<DeploymentTarget> nodeTargets = new ArrayList<>();
            for (DeploymentTarget t : e.getValue()) {
                String blocked = blockedBy(t, dependencies.get(t.getApplication()), allByNode);
                if (blocked == null) {
                    nodeTargets.add(t);
                } else {
                    t.markSkipped(blocked, now);
                    journal.target(t, now, blocked);
                }
            }
            if (!nodeTargets.isEmpty()) {
                Map<String, UUID> releases = new LinkedHashMap<>();
                nodeTargets.forEach(t -> releases.put(t.getApplication(), t.getReleaseId()));
                ready.put(e.getKey(), nodeTargets);
                releasesByNode.put(e.getKey(), releases);
            }
        }
        // The whole wave in a constant number of statements, however many nodes it has.
        Map<UUID, Long> generations = writer.assignAll(d.getEnvironment(), releasesByNode, d.getId());
        ready.forEach((nodeId, nodeTargets) -> {
            Long generation = generations.get(nodeId);
            for (DeploymentTarget t : nodeTargets) {
                if (generation == null) {
                    t.markFailed("the node was removed before it was deployed to", now);
                    journal.target(t, now, t.getError());
                } else {
                    t.markDesired(generation, now);
                    journal.target(t, now, "generation " + generation);
                }
            }
        });
        int released = generations.size();
        String message = "released " + step.describe() + " to " + released + " node(s)";
        d.transition(d.getState(), message, now);
        journal.step(d.getId(), "step", step.stage(), step.wave(), message);
        log.info("Deployment {}: {}", d.getId(), message);
    }

    /** For each application of this step, the applications of the deployment it depends on. */
    private Map<String, Set<String>> dependencies(Step step, List<DeploymentTarget> all) {
        if (step.stage() == 0) {
            return Map.of();
        }
        Set<String> inDeployment =
                all.stream().map(DeploymentTarget::getApplication).collect(Collectors.toSet());
        DependencyGraph graph = applications.graph();
        Map<String, Set<String>> dependencies = new HashMap<>();
        step.targets()
                .forEach(t -> dependencies.computeIfAbsent(
                        t.getApplication(), app -> graph.dependenciesWithin(app, inDeployment)));
        return dependencies;
    }

    /**
     * Why a target cannot start: an application it depends on did not become healthy on its node
     * (a failure within the threshold). Applications it does not depend on do not hold it back.
     */
    private static String blockedBy(
            DeploymentTarget target, Set<String> dependsOn, Map<UUID, List<DeploymentTarget>> allByNode) {
        if (dependsOn == null || dependsOn.isEmpty()) {
            return null;
        }
        return allByNode.getOrDefault(target.getNodeId(), List.of()).stream()
                .filter(t -> dependsOn.contains(t.getApplication()) && t.getState() != TargetState.HEALTHY)
                .findFirst()
                .map(t -> "dependency " + t.getApplication() + " is " + t.getState() + " on this node")
                .orElse(null);
    }

    /**
     * Puts the previous releases back, dependents first: the highest stage still to revert is
     * reverted on every node at once, and the stage below waits until it has settled.
     */
    private void rollBack(Deployment d, List<DeploymentTarget> all, Instant now) {
        skipPending(all, "the deployment is rolling back", now);
        int reverting = all.stream()
                .filter(t -> t.getState() == TargetState.REVERTING)
                .mapToInt(DeploymentTarget::getStage)
                .max()
                .orElse(-1);
        List<DeploymentTarget> toRevert = all.stream()
                .filter(t -> t.wasReleased() && t.getRollbackGeneration() == null)
                .toList();
        int stage = toRevert.stream().mapToInt(DeploymentTarget::getStage).max().orElse(-1);
        if (reverting >= 0 && reverting >= stage) {
            return; // a later stage is still settling
        }
        if (stage < 0) {
            if (reverting < 0) {
                List<DeploymentTarget> unrestored = all.stream()
                        .filter(t -> t.getRollbackGeneration() != null && t.getState() != TargetState.ROLLED_BACK)
                        .toList();
                if (unrestored.isEmpty()) {
                    transition(d, DeploymentState.ROLLED_BACK, "previous releases restored", now);
                } else {
                    transition(
                            d,
                            DeploymentState.FAILED,
                            "rollback incomplete: " + unrestored.size() + " target(s) did not return to the previous"
                                    + " release (first: " + unrestored.get(0).getNodeName() + "/"
                                    + unrestored.get(0).getApplication() + ")",
                            now);
                }
            }
            return;
        }
        Map<UUID, List<DeploymentTarget>> byNode = toRevert.stream()
                .filter(t -> t.getStage() == stage)
                .collect(Collectors.groupingBy(DeploymentTarget::getNodeId, LinkedHashMap::new, Collectors.toList()));
        byNode.forEach((nodeId, nodeTargets) -> {
            if (!nodes.existsById(nodeId)) {
                nodeTargets.forEach(t -> {
                    t.markReverting(0, now);
                    t.markRolledBack(now, now);
                    journal.target(t, now, "the node was removed; nothing to restore");
                });
                return;
            }
            Map<String, UUID> previous = new LinkedHashMap<>();
            List<String> added = new ArrayList<>();
            for (DeploymentTarget t : nodeTargets) {
                if (t.getPreviousReleaseId() != null) {
                    previous.put(t.getApplication(), t.getPreviousReleaseId());
                } else {
                    added.add(t.getApplication());
                }
            }
            long generation = 0;
            if (!previous.isEmpty()) {
                generation = writer.assign(nodeId, previous, d.getId());
            }
            if (!added.isEmpty()) {
                generation = writer.remove(nodeId, added);
            }
            for (DeploymentTarget t : nodeTargets) {
                t.markReverting(generation, now);
                journal.target(
                        t,
                        now,
                        t.getPreviousReleaseId() == null
                                ? "removing the application (it was new with this deployment)"
                                : "restoring the previous release, generation " + generation);
            }
        });
        String apps = toRevert.stream()
                .filter(t -> t.getStage() == stage)
                .map(DeploymentTarget::getApplication)
                .collect(Collectors.toCollection(TreeSet::new))
                .toString();
        String message = "rolling back stage " + stage + " " + apps + " on " + byNode.size() + " node(s)";
        d.transition(d.getState(), message, now);
        journal.step(d.getId(), "rollback-step", stage, -1, message);
        log.info("Deployment {}: {}", d.getId(), message);
    }

    /** Fails targets in flight (and rollbacks unconfirmed) past the strategy's deadline. */
    private void timeOut(Deployment d, List<DeploymentTarget> all, Instant now) {
        Duration limit = Duration.ofSeconds(d.getStrategy().targetTimeoutSeconds());
        for (DeploymentTarget t : all) {
            if (TargetProgress.IN_FLIGHT.contains(t.getState())
                    && t.getDesiredAt() != null
                    && now.isAfter(t.getDesiredAt().plus(limit))) {
                t.markFailed("not healthy within " + limit.toSeconds() + "s (last state " + t.getState() + ")", now);
                journal.target(t, now, t.getError());
            } else if (t.getState() == TargetState.REVERTING
                    && now.isAfter(t.getUpdatedAt().plus(limit))) {
                t.markFailed("the previous release was not back within " + limit.toSeconds() + "s", now);
                journal.target(t, now, t.getError());
            }
        }
    }

    private void skipPending(List<DeploymentTarget> all, String reason, Instant now) {
        for (DeploymentTarget t : all) {
            if (t.getState() == TargetState.PENDING) {
                t.markSkipped(reason, now);
                journal.target(t, now, reason);
            }
        }
    }

    private void finish(Deployment d, List<DeploymentTarget> all, Instant now) {
        long healthy = count(all, TargetState.HEALTHY);
        long failed = count(all, TargetState.FAILED);
        long skipped = count(all, TargetState.SKIPPED);
        String counts = healthy + " of " + all.size() + " target(s) healthy"
                + (failed > 0 ? ", " + failed + " failed" : "")
                + (skipped > 0 ? ", " + skipped + " skipped" : "");
        if (d.getState() == DeploymentState.CANCELLING) {
            transition(d, DeploymentState.CANCELLED, "cancelled: " + counts, now);
        } else if (failed > d.getStrategy().threshold().atMost(all.size()) || healthy == 0) {
            transition(d, DeploymentState.FAILED, counts, now);
        } else {
            // Targets skipped here stood behind a dependency that failed within the threshold.
            transition(
                    d,
                    DeploymentState.SUCCEEDED,
                    failed > 0 ? counts + " (within the failure threshold)" : "all " + counts,
                    now);
        }
    }

    private void transition(Deployment d, DeploymentState next, String message, Instant now) {
        d.transition(next, message, now);
        d.setNextStepAt(null);
        meters.transitioned(next, true);
        journal.deployment(d.getId(), next.name().toLowerCase(Locale.ROOT), message);
        if (next.isFinished() || next == DeploymentState.ROLLING_BACK) {
            audit.recordAs(
                    "system",
                    next == DeploymentState.ROLLING_BACK ? "deployment.auto-rollback" : "deployment.finish",
                    "deployment/" + d.getId(),
                    Map.of("state", next.name(), "message", message));
        }
        log.info("Deployment {} {}: {}", d.getId(), next, message);
    }

    private void schedule(UUID id, Instant at, Instant now) {
        long delay = Math.max(0, Duration.between(now, at).toMillis()) + 5;
        rollout.schedule(() -> refresh(List.of(id)), delay, TimeUnit.MILLISECONDS);
    }

    private static long count(List<DeploymentTarget> all, TargetState state) {
        return all.stream().filter(t -> t.getState() == state).count();
    }

    @Override
    public void destroy() {
        rollout.shutdownNow();
    }

    /** One (stage, wave) of a deployment: the unit that is released at once. */
    record Step(int stage, int wave, List<DeploymentTarget> targets) {
        static List<Step> of(List<DeploymentTarget> ordered) {
            Map<List<Integer>, List<DeploymentTarget>> grouped = new LinkedHashMap<>();
            ordered.stream()
                    .sorted(java.util.Comparator.comparingInt(DeploymentTarget::getStage)
                            .thenComparingInt(DeploymentTarget::getWave))
                    .forEach(t -> grouped.computeIfAbsent(List.of(t.getStage(), t.getWave()), k -> new ArrayList<>())
                            .add(t));
            List<Step> steps = new ArrayList<>();
            grouped.forEach((k, v) -> steps.add(new Step(k.get(0), k.get(1), v)));
            return steps;
        }

        boolean finished() {
            return targets.stream().allMatch(t -> t.getState().isTerminal());
        }

        long inFlight() {
            return targets.stream()
                    .filter(t -> TargetProgress.IN_FLIGHT.contains(t.getState()))
                    .count();
        }

        String describe() {
            return "wave " + wave + " of stage " + stage + " "
                    + targets.stream()
                            .map(DeploymentTarget::getApplication)
                            .collect(Collectors.toCollection(TreeSet::new));
        }
    }
}
