package dev.tide.controlplane.delivery;

import dev.tide.controlplane.application.ApplicationService;
import dev.tide.controlplane.application.Artifact;
import dev.tide.controlplane.application.ArtifactRepository;
import dev.tide.controlplane.application.DependencyGraph;
import dev.tide.controlplane.application.Release;
import dev.tide.controlplane.application.ReleaseRepository;
import dev.tide.controlplane.environment.EnvironmentRepository;
import dev.tide.controlplane.environment.EnvironmentSettingsChanged;
import dev.tide.controlplane.node.Node;
import dev.tide.controlplane.node.NodeDesired;
import dev.tide.controlplane.node.NodeDesiredChanged;
import dev.tide.controlplane.node.NodeDesiredRepository;
import dev.tide.controlplane.node.NodeRepository;
import dev.tide.controlplane.node.NodeService;
import dev.tide.controlplane.releasekey.ReleaseKeyService;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.Schedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Each node's desired state (its releases and its environment's release keys), built once per
 * generation and kept in memory, and each environment's schedule. A poll whose generation is
 * current is answered from here without touching the database. Entries are dropped after the
 * commit of a change, then rebuilt on demand; listeners (long-polls, the push dispatcher) are told
 * at that moment.
 */
@Component
class DesiredStateCache {
    /** A node's desired state at one generation. */
    record Entry(UUID nodeId, String environment, long generation, DesiredState state) {}

    private final NodeRepository nodes;
    private final NodeDesiredRepository desired;
    private final ReleaseRepository releases;
    private final ArtifactRepository artifacts;
    private final ApplicationService applications;
    private final EnvironmentRepository environments;
    private final ReleaseKeyService releaseKeys;
    private final DeliveryProperties properties;
    private final TransactionTemplate readOnly;

    private final Map<UUID, Entry> entries = new ConcurrentHashMap<>();
    /** The newest generation each node is known to have committed; no older entry is served. */
    private final Map<UUID, Long> floors = new ConcurrentHashMap<>();

    private final Map<String, Schedule> schedules = new ConcurrentHashMap<>();
    private final List<Consumer<UUID>> nodeListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> environmentListeners = new CopyOnWriteArrayList<>();

    DesiredStateCache(
            NodeRepository nodes,
            NodeDesiredRepository desired,
            ReleaseRepository releases,
            ArtifactRepository artifacts,
            ApplicationService applications,
            EnvironmentRepository environments,
            ReleaseKeyService releaseKeys,
            DeliveryProperties properties,
            TransactionTemplate transactions) {
        this.nodes = nodes;
        this.desired = desired;
        this.releases = releases;
        this.artifacts = artifacts;
        this.applications = applications;
        this.environments = environments;
        this.releaseKeys = releaseKeys;
        this.properties = properties;
        this.readOnly = new TransactionTemplate(transactions.getTransactionManager());
        this.readOnly.setReadOnly(true);
        // One snapshot for the node row and its desired rows.
        this.readOnly.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
    }

    /** The node's current desired state, or empty when the node no longer exists. */
    Optional<Entry> get(UUID nodeId) {
        long floor = floors.getOrDefault(nodeId, 0L);
        Entry cached = entries.get(nodeId);
        if (cached != null && cached.generation() >= floor) {
            return Optional.of(cached);
        }
        // A load that read the database before a commit could return an older generation than
        // the change event announced: read again until the entry is at least that new.
        for (int attempt = 0; attempt < 5; attempt++) {
            Entry loaded = readOnly.execute(status -> load(nodeId));
            if (loaded == null) {
                return Optional.empty();
            }
            if (loaded.generation() >= floors.getOrDefault(nodeId, 0L)) {
                return Optional.of(entries.merge(nodeId, loaded, (a, b) -> a.generation() >= b.generation() ? a : b));
            }
        }
        throw new IllegalStateException("desired state of node " + nodeId + " did not reach its committed generation");
    }

    Schedule schedule(String environment) {
        return schedules.computeIfAbsent(
                environment,
                env -> readOnly.execute(status -> environments
                        .findById(env)
                        .map(e -> DesiredStateMapper.schedule(e, properties.maxWait()))
                        .orElse(Schedule.getDefaultInstance())));
    }

    /** Called with a node id after its desired state changed (commit done). */
    void onNodeChange(Consumer<UUID> listener) {
        nodeListeners.add(listener);
    }

    /** Called with an environment name after its schedule or mode changed (commit done). */
    void onEnvironmentChange(Consumer<String> listener) {
        environmentListeners.add(listener);
    }

    @TransactionalEventListener
    void desiredChanged(NodeDesiredChanged event) {
        floors.merge(event.nodeId(), event.generation(), Math::max);
        entries.computeIfPresent(event.nodeId(), (id, e) -> e.generation() < event.generation() ? null : e);
        nodeListeners.forEach(l -> l.accept(event.nodeId()));
    }

    @TransactionalEventListener
    void environmentChanged(EnvironmentSettingsChanged event) {
        schedules.remove(event.environment());
        environmentListeners.forEach(l -> l.accept(event.environment()));
    }

    @TransactionalEventListener
    void nodeRemoved(NodeService.NodeRemoved event) {
        entries.remove(event.id());
        floors.remove(event.id());
        nodeListeners.forEach(l -> l.accept(event.id()));
    }

    /** Builds a node's entry; runs inside the read-only transaction of {@link #get}. */
    private Entry load(UUID nodeId) {
        Node node = nodes.findById(nodeId).orElse(null);
        if (node == null) {
            return null;
        }
        List<NodeDesired> rows = desired.findAllByNode(nodeId);
        Map<UUID, Release> byId = releases
                .findAllById(rows.stream().map(NodeDesired::getReleaseId).toList())
                .stream()
                .collect(Collectors.toMap(Release::getId, Function.identity()));
        Map<String, Artifact> artifactBySha =
                artifacts
                        .findAllById(byId.values().stream()
                                .map(Release::getArtifactSha256)
                                .distinct()
                                .toList())
                        .stream()
                        .collect(Collectors.toMap(Artifact::getSha256, Function.identity()));
        Map<String, Release> byApp =
                rows.stream().collect(Collectors.toMap(NodeDesired::getApplication, r -> byId.get(r.getReleaseId())));
        DependencyGraph graph = applications.graph();
        List<AppRelease> apps = new ArrayList<>();
        for (String app : graph.order(byApp.keySet())) {
            Release r = byApp.get(app);
            Set<String> deps = graph.dependenciesWithin(app, byApp.keySet());
            apps.add(DesiredStateMapper.appRelease(r, artifactBySha.get(r.getArtifactSha256()), deps));
        }
        return new Entry(
                nodeId,
                node.getEnvironment(),
                node.getGeneration(),
                DesiredStateMapper.desiredState(node, apps, releaseKeys.current(node.getEnvironment())));
    }
}
