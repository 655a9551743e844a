package dev.tide.controlplane.deployment;

import dev.tide.controlplane.application.ApplicationService;
import dev.tide.controlplane.application.Release;
import dev.tide.controlplane.application.ReleaseRepository;
import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.environment.EnvironmentService;
import dev.tide.controlplane.node.Node;
import dev.tide.controlplane.node.NodeDesired;
import dev.tide.controlplane.node.NodeDesiredRepository;
import dev.tide.controlplane.node.NodeRepository;
import dev.tide.controlplane.releasekey.ReleaseKeyService;
import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.InvalidInputException.FieldError;
import dev.tide.controlplane.system.Names;
import dev.tide.controlplane.system.NotFoundException;
import dev.tide.security.release.ReleaseKeySet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.data.domain.PageRequest;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Creates deployments (plan: releases in dependency order, targets in waves) and reads them. */
@Service
public class DeploymentService {

    private final DeploymentRepository deployments;
    private final DeploymentReleaseRepository deploymentReleases;
    private final DeploymentTargetRepository targets;
    private final EnvironmentService environments;
    private final ApplicationService applications;
    private final ReleaseRepository releases;
    private final NodeRepository nodes;
    private final NodeDesiredRepository desired;
    private final ReleaseKeyService releaseKeys;
    private final AuditService audit;
    private final DeploymentJournal journal;
    private final DeploymentMeters meters;
    private final ApplicationEventPublisher events;
    private final Clock clock;

    DeploymentService(
            DeploymentRepository deployments,
            DeploymentReleaseRepository deploymentReleases,
            DeploymentTargetRepository targets,
            EnvironmentService environments,
            ApplicationService applications,
            ReleaseRepository releases,
            NodeRepository nodes,
            NodeDesiredRepository desired,
            ReleaseKeyService releaseKeys,
            AuditService audit,
            DeploymentJournal journal,
            DeploymentMeters meters,
            ApplicationEventPublisher events,
            Clock clock) {
        this.deployments = deployments;
        this.deploymentReleases = deploymentReleases;
        this.targets = targets;
        this.environments = environments;
        this.applications = applications;
        this.releases = releases;
        this.nodes = nodes;
        this.desired = desired;
        this.releaseKeys = releaseKeys;
        this.audit = audit;
        this.journal = journal;
        this.meters = meters;
        this.events = events;
        this.clock = clock;
    }

    /** A deployment with its releases (in dependency order) and targets. */
    public record DeploymentDetail(
            Deployment deployment, List<DeploymentRelease> releases, List<DeploymentTarget> targets) {}

    @Transactional
    public Deployment create(DeploymentRequest request) {
        if (request.environment() == null || request.environment().isBlank()) {
            throw InvalidInputException.field("environment", "is required");
        }
        if (!Names.isName(request.environment())) {
            throw InvalidInputException.field("environment", Names.NAME_RULE);
        }
        Strategy strategy = Strategy.normalize(request.strategy());
        Map<String, String> selector = validateSelector(request.selector());
        try {
            environments.get(request.environment());
        } catch (NotFoundException e) {
            throw InvalidInputException.unknownReference("environment", e.getMessage());
        }
        Map<String, Release> byApp = resolveReleases(request.releases());
        refuseUntrusted(request.environment(), byApp.values());
        Map<String, Integer> stageOf = applications.graph().stages(byApp.keySet());
        List<String> order = List.copyOf(stageOf.keySet());

        List<Node> selected = nodes.findAllByEnvironmentOrderByNameAsc(request.environment()).stream()
                .filter(n -> n.matches(selector))
                .toList();
        if (selected.isEmpty()) {
            throw InvalidInputException.unknownReference(
                    selector.isEmpty() ? "environment" : "selector.labels",
                    "matches no node in environment '" + request.environment() + "'; enroll agents first");
        }
        deployments.lockEnvironment(request.environment()); // two creates at once: the second sees the first
        refuseOverlap(selected, byApp.keySet());

        Instant now = clock.instant();
        Deployment deployment = deployments.save(
                new Deployment(request.environment(), strategy, selector, AuditService.currentActor(), now));
        for (int i = 0; i < order.size(); i++) {
            String app = order.get(i);
            deploymentReleases.save(new DeploymentRelease(
                    deployment.getId(), i, app, byApp.get(app).getId(), stageOf.get(app)));
        }
        Map<String, Integer> waveOf = new HashMap<>();
        List<List<String>> waves =
                WavePlanner.waves(selected.stream().map(Node::getName).toList(), strategy);
        for (int w = 0; w < waves.size(); w++) {
            for (String name : waves.get(w)) {
                waveOf.put(name, w);
            }
        }
        Map<NodeDesired.Key, UUID> current =
                desired.findAllByNodeIn(selected.stream().map(Node::getId).toList()).stream()
                        .collect(Collectors.toMap(
                                d -> new NodeDesired.Key(d.getNode(), d.getApplication()), NodeDesired::getReleaseId));
        List<DeploymentTarget> planned = new ArrayList<>();
        for (Node node : selected) {
            for (String app : order) {
                planned.add(new DeploymentTarget(
                        deployment.getId(),
                        node.getId(),
                        node.getName(),
                        app,
                        byApp.get(app).getId(),
                        current.get(new NodeDesired.Key(node.getId(), app)),
                        stageOf.get(app),
                        waveOf.get(node.getName()),
                        now));
            }
        }
        targets.saveAll(planned);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("environment", request.environment());
        details.put(
                "releases",
                order.stream().map(a -> a + "@" + byApp.get(a).getVersion()).toList());
        details.put("nodes", selected.size());
        details.put("waves", waves.size());
        details.put("stages", stageOf.values().stream().distinct().count());
        audit.record("deployment.create", "deployment/" + deployment.getId(), details);
        journal.deployment(
                deployment.getId(),
                "created",
                "by " + deployment.getCreatedBy() + ": " + details.get("releases") + " to " + selected.size()
                        + " node(s) in " + waves.size() + " wave(s)");
        events.publishEvent(new DeploymentRequested(deployment.getId()));
        return deployment;
    }

    /** Stops releasing new waves; targets already released go on. */
    @Transactional
    public Deployment pause(UUID id) {
        Deployment d = lockedForAction(id, "pause", DeploymentState.PAUSABLE);
        return act(d, DeploymentState.PAUSED, "pause", "paused by " + AuditService.currentActor());
    }

    /** Goes on releasing waves where a pause stopped. */
    @Transactional
    public Deployment resume(UUID id) {
        Deployment d = lockedForAction(id, "resume", DeploymentState.RESUMABLE);
        return act(d, DeploymentState.RUNNING, "resume", "resumed by " + AuditService.currentActor());
    }

    /** Releases nothing more; the deployment ends CANCELLED once the targets in flight settle. */
    @Transactional
    public Deployment cancel(UUID id) {
        Deployment d = lockedForAction(id, "cancel", DeploymentState.CANCELLABLE);
        return act(
                d,
                DeploymentState.CANCELLING,
                "cancel",
                "cancelled by " + AuditService.currentActor() + "; waiting for the targets in flight");
    }

    /**
     * Puts the previous releases back on every node this deployment changed, dependents first.
     * Allowed while it runs (it stops) and once it finished, unless a later deployment has
     * since changed the same nodes and applications.
     */
    @Transactional
    public Deployment rollback(UUID id) {
        Deployment d = lockedForAction(id, "roll back", DeploymentState.ROLLBACKABLE);
        deployments.lockEnvironment(d.getEnvironment());
        List<UUID> active = targets.findActiveOverlapping(id, DeploymentState.ACTIVE);
        if (!active.isEmpty()) {
            throw new ConflictException("deployment " + active.get(0)
                    + " is rolling out to some of the same nodes and applications; wait for it or cancel it"
                    + " first");
        }
        List<UUID> later = targets.findLaterDeploymentsTouching(id, d.getCreatedAt());
        if (!later.isEmpty()) {
            throw new ConflictException("deployment " + later.get(0)
                    + " changed some of the same nodes and applications after this one; roll that one back"
                    + " or deploy the release you want instead");
        }
        // A rollback that did not complete before (the deployment ended FAILED) is tried again.
        targets.findAllByDeploymentIdOrderByStageAscWaveAscNodeNameAscApplicationAsc(id).stream()
                .filter(t -> t.getState() == TargetState.FAILED && t.getRollbackGeneration() != null)
                .forEach(DeploymentTarget::retryRollback);
        return act(d, DeploymentState.ROLLING_BACK, "rollback", "rollback requested by " + AuditService.currentActor());
    }

    /** Journal entries of a deployment after {@code afterId}, oldest first. */
    @Transactional(readOnly = true)
    public List<DeploymentJournal.Entry> events(UUID id, long afterId, int limit) {
        requireExisting(id);
        return journal.after(id, afterId, limit);
    }

    /** One page of a deployment's targets in plan order, all or those in one state. */
    @Transactional(readOnly = true)
    public org.springframework.data.domain.Page<DeploymentTarget> targets(
            UUID id, TargetState state, int page, int size) {
        List<FieldError> errors = dev.tide.controlplane.system.Paging.problems(page, size, MAX_TARGET_PAGE);
        if (!errors.isEmpty()) {
            throw InvalidInputException.fields(errors);
        }
        requireExisting(id);
        var pageable = org.springframework.data.domain.PageRequest.of(page, size);
        return state == null
                ? targets.findByDeploymentIdOrderByStageAscWaveAscNodeNameAscApplicationAsc(id, pageable)
                : targets.findByDeploymentIdAndStateOrderByStageAscWaveAscNodeNameAscApplicationAsc(
                        id, state, pageable);
    }

    /** The largest page of targets. */
    public static final int MAX_TARGET_PAGE = 5000;

    /** Throws the 404 for a deployment that does not exist. */
    @Transactional(readOnly = true)
    public void requireExisting(UUID id) {
        if (!deployments.existsById(id)) {
            throw new NotFoundException("deployment", id);
        }
    }

    private Deployment lockedForAction(UUID id, String action, Set<DeploymentState> allowed) {
        Deployment d = deployments.findForUpdate(id).orElseThrow(() -> new NotFoundException("deployment", id));
        if (!allowed.contains(d.getState())) {
            throw new ConflictException("cannot " + action + " deployment " + id + ": it is " + d.getState()
                    + " (allowed when " + allowed.stream().map(Enum::name).collect(Collectors.joining(", "))
                    + ")");
        }
        return d;
    }

    private Deployment act(Deployment d, DeploymentState next, String action, String message) {
        DeploymentState from = d.getState();
        d.transition(next, message, clock.instant());
        d.setNextStepAt(null); // a pause between waves starts again on resume
        meters.transitioned(next, false);
        audit.record("deployment." + action, "deployment/" + d.getId(), Map.of("from", from.name(), "to", next.name()));
        journal.deployment(d.getId(), next.name().toLowerCase(java.util.Locale.ROOT), message);
        events.publishEvent(new DeploymentRequested(d.getId()));
        return d;
    }

    @Transactional(readOnly = true)
    public List<Deployment> list(String environment, int limit) {
        PageRequest page = PageRequest.of(0, limit);
        if (environment == null) {
            return deployments.findAllByOrderByCreatedAtDesc(page);
        }
        environments.get(environment);
        return deployments.findAllByEnvironmentOrderByCreatedAtDesc(environment, page);
    }

    @Transactional(readOnly = true)
    public DeploymentDetail get(UUID id) {
        Deployment d = deployments.findById(id).orElseThrow(() -> new NotFoundException("deployment", id));
        return new DeploymentDetail(
                d,
                deploymentReleases.findAllByDeploymentIdOrderByPosition(id),
                targets.findAllByDeploymentIdOrderByWaveAscNodeNameAscApplicationAsc(id));
    }

    private Map<String, Release> resolveReleases(List<DeploymentRequest.ReleaseRef> refs) {
        if (refs == null || refs.isEmpty()) {
            throw InvalidInputException.field("releases", "must list at least one {application, version}");
        }
        List<FieldError> errors = new ArrayList<>();
        Map<String, Release> byApp = new TreeMap<>();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < refs.size(); i++) {
            DeploymentRequest.ReleaseRef ref = refs.get(i);
            String field = "releases[" + i + "]";
            if (ref == null || !Names.isName(ref.application())) {
                errors.add(new FieldError(field + ".application", Names.NAME_RULE));
            } else if (!Names.isVersion(ref.version())) {
                errors.add(new FieldError(field + ".version", Names.VERSION_RULE));
            } else if (!seen.add(ref.application())) {
                errors.add(new FieldError(
                        field + ".application", "appears twice; a deployment carries one release per application"));
            }
        }
        if (!errors.isEmpty()) {
            throw InvalidInputException.fields(errors);
        }
        for (int i = 0; i < refs.size(); i++) {
            DeploymentRequest.ReleaseRef ref = refs.get(i);
            int index = i;
            Release r = releases.findByApplicationAndVersion(ref.application(), ref.version())
                    .orElseThrow(() -> InvalidInputException.unknownReference(
                            "releases[" + index + "]",
                            "release " + ref.application() + "@" + ref.version() + " does not exist"));
            byApp.put(ref.application(), r);
        }
        return byApp;
    }

    private static Map<String, String> validateSelector(DeploymentRequest.Selector selector) {
        if (selector == null || selector.labels() == null) {
            return Map.of();
        }
        selector.labels().forEach((k, v) -> {
            if (!Names.isLabelKey(k) || v == null || v.length() > 255) {
                throw InvalidInputException.field(
                        "selector.labels." + k, "must be a label key with a value of at most 255 characters");
            }
        });
        return new TreeMap<>(selector.labels());
    }

    /**
     * In an environment that requires signed releases, every release must be signed by a key of its
     * current set. Its agents would refuse any other; this says so before anything is written.
     */
    private void refuseUntrusted(String environment, Collection<Release> candidates) {
        ReleaseKeySet set = releaseKeys
                .current(environment)
                .map(ReleaseKeySet.Signed::keySet)
                .filter(ReleaseKeySet::requireSignatures)
                .orElse(null);
        if (set == null) {
            return;
        }
        List<String> refused = new ArrayList<>();
        for (Release r : candidates) {
            String name = r.getApplication() + "@" + r.getVersion();
            r.getSignature()
                    .ifPresentOrElse(
                            s -> {
                                if (set.key(s.keyId()).isEmpty()) {
                                    refused.add(name + " is signed by key " + s.keyId() + ", which it does not trust");
                                }
                            },
                            () -> refused.add(name + " is not signed"));
        }
        if (!refused.isEmpty()) {
            throw new ConflictException("environment '" + environment + "' requires releases signed by one of its"
                    + " release keys (key set version " + set.version() + "): " + String.join("; ", refused)
                    + ". Its agents would refuse them; deploy releases signed by a key it trusts.");
        }
    }

    /** Two active deployments never touch the same node and application: the second is refused. */
    private void refuseOverlap(List<Node> selected, Set<String> apps) {
        Set<UUID> nodeIds = selected.stream().map(Node::getId).collect(Collectors.toSet());
        List<UUID> overlapping = targets.findOverlapping(DeploymentState.ACTIVE, nodeIds, apps);
        if (!overlapping.isEmpty()) {
            Deployment active = deployments.findById(overlapping.get(0)).orElseThrow();
            throw new ConflictException("deployment " + active.getId() + " (" + active.getState()
                    + ") is still rolling out to some of these nodes and applications; wait for it or cancel it");
        }
    }
}
