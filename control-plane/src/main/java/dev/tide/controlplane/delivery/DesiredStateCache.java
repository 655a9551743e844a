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
import dev.tide.security.release.ReleaseKeySet;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Each node's desired state (its releases and its environment's release keys), built once per
 * generation and kept in memory, and each environment's schedule. A poll whose generation is
 * current is answered from here without touching the database. Entries are dropped after the
 * commit of a change and rebuilt for all the nodes of that change at once; listeners (long-polls,
 * the push dispatcher) are told once their node's new entry is in.
 */
@Component
class DesiredStateCache {
    private static final Logger log = LoggerFactory.getLogger(DesiredStateCache.class);
    /** Nodes loaded per query batch: keeps IN lists well below PostgreSQL's bind parameter limit. */
    private static final int PRELOAD_CHUNK = 2000;

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
    private final ReconnectPace pace;
    private final TransactionTemplate readOnly;

    private final Map<UUID, Entry> entries = new ConcurrentHashMap<>();
    /** The newest generation each node is known to have committed; no older entry is served. */
    private final Map<UUID, Long> floors = new ConcurrentHashMap<>();

    private final Map<String, Schedule> schedules = new ConcurrentHashMap<>();
    private final List<Consumer<UUID>> nodeListeners = new CopyOnWriteArrayList<>();
    /** Nodes whose change committed and whose listeners have not been told yet. */
    private final Queue<UUID> announced = new ConcurrentLinkedQueue<>();

    private final AtomicBoolean preloadScheduled = new AtomicBoolean();
    private final ExecutorService preloader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tide-desired-preload");
        t.setDaemon(true);
        return t;
    });
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
            ReconnectPace pace,
            TransactionTemplate transactions) {
        this.nodes = nodes;
        this.desired = desired;
        this.releases = releases;
        this.artifacts = artifacts;
        this.applications = applications;
        this.environments = environments;
        this.releaseKeys = releaseKeys;
        this.properties = properties;
        this.pace = pace;
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
                return Optional.of(keep(loaded));
            }
        }
        throw new IllegalStateException("desired state of node " + nodeId + " did not reach its committed generation");
    }

    Schedule schedule(String environment) {
        Schedule schedule = schedules.computeIfAbsent(
                environment,
                env -> readOnly.execute(status -> environments
                        .findById(env)
                        .map(e -> DesiredStateMapper.schedule(e, properties.maxWait()))
                        .orElse(Schedule.getDefaultInstance())));
        int cap = pace.capSeconds();
        if (schedule.getReconnectCapSeconds() == cap || schedule.getVersion() == 0) {
            return schedule; // paced already, or no such environment
        }
        // the fleet grew or shrank past a step of the cap: the same schedule with the new cap
        Schedule paced = schedule.toBuilder().setReconnectCapSeconds(cap).build();
        schedules.replace(environment, schedule, paced);
        return paced;
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
        changed(event.nodeId(), event.generation());
    }

    /** A node's desired state committed at {@code generation}, here or on another replica. */
    void changed(UUID nodeId, long generation) {
        floors.merge(nodeId, generation, Math::max);
        entries.computeIfPresent(nodeId, (id, e) -> e.generation() < generation ? null : e);
        // Listeners hear of it once the new state is loaded, together with the rest of its wave.
        announced.add(nodeId);
        if (preloadScheduled.compareAndSet(false, true)) {
            preloader.execute(this::drainAnnounced);
        }
    }

    /**
     * Another replica committed desired state of nodes of this environment with generations in
     * {@code from..to}: the nodes are found in one query and handled as a change made here. A node
     * changed again since is left out here; the later change's own notice covers it.
     */
    void changedElsewhere(String environment, long from, long to) {
        List<NodeRepository.Generation> moved =
                readOnly.execute(status -> nodes.findGenerations(environment, from, to));
        if (moved != null) {
            moved.forEach(g -> changed(g.id(), g.generation()));
        }
    }

    @TransactionalEventListener
    void environmentChanged(EnvironmentSettingsChanged event) {
        scheduleChanged(event.environment());
    }

    /** An environment's settings changed, here or on another replica. */
    void scheduleChanged(String environment) {
        schedules.remove(environment);
        environmentListeners.forEach(l -> l.accept(environment));
    }

    @TransactionalEventListener
    void nodeRemoved(NodeService.NodeRemoved event) {
        forget(event.id());
    }

    /** A node was removed, here or on another replica: its polls are answered (and refused). */
    void forget(UUID nodeId) {
        entries.remove(nodeId);
        floors.remove(nodeId);
        nodeListeners.forEach(l -> l.accept(nodeId));
    }

    /** A node enrolled again may have new labels: its entry is built afresh. */
    @TransactionalEventListener
    void nodeReenrolled(EnrollmentService.NodeReenrolled event) {
        rebuild(event.nodeId());
    }

    /** A node enrolled again, here or on another replica. */
    void rebuild(UUID nodeId) {
        entries.remove(nodeId);
        nodeListeners.forEach(l -> l.accept(nodeId));
    }

    /**
     * Catches up after notices may have been missed: every node's committed generation is read in
     * one query, and a cached node that moved or went is handled as if its notice had come; each
     * cached schedule whose version moved is dropped and its polls answered.
     */
    void resync() {
        List<NodeRepository.Generation> all = readOnly.execute(status -> nodes.findAllGenerations());
        if (all == null) {
            return;
        }
        Set<UUID> present = new java.util.HashSet<>();
        for (NodeRepository.Generation g : all) {
            present.add(g.id());
            Entry cached = entries.get(g.id());
            if (cached != null && cached.generation() < g.generation()) {
                changed(g.id(), g.generation());
            }
        }
        entries.keySet().stream().filter(id -> !present.contains(id)).toList().forEach(this::forget);
        Map<String, Long> versions = readOnly.execute(status ->
                environments.findAll().stream().collect(Collectors.toMap(e -> e.getName(), e -> e.getVersion() + 1)));
        schedules.forEach((env, schedule) -> {
            if (versions == null || !Long.valueOf(schedule.getVersion()).equals(versions.get(env))) {
                scheduleChanged(env);
            }
        });
    }

    /** Caches {@code loaded} unless a newer entry of its node is already in; returns the one kept. */
    private Entry keep(Entry loaded) {
        return entries.merge(loaded.nodeId(), loaded, (a, b) -> a.generation() >= b.generation() ? a : b);
    }

    /** Builds a node's entry; runs inside the read-only transaction of {@link #get}. */
    private Entry load(UUID nodeId) {
        return loadAll(List.of(nodeId)).get(nodeId);
    }

    /**
     * Builds the entries of these nodes in a constant number of queries, inside a read-only
     * transaction; a node that no longer exists has none.
     */
    private Map<UUID, Entry> loadAll(Collection<UUID> nodeIds) {
        List<Node> found = nodes.findAllById(nodeIds);
        if (found.isEmpty()) {
            return Map.of();
        }
        Map<UUID, List<NodeDesired>> rowsByNode =
                desired.findAllByNodeIn(nodeIds).stream().collect(Collectors.groupingBy(NodeDesired::getNode));
        Map<UUID, Release> byId = releases
                .findAllById(rowsByNode.values().stream()
                        .flatMap(List::stream)
                        .map(NodeDesired::getReleaseId)
                        .distinct()
                        .toList())
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
        DependencyGraph graph = applications.graph();
        Map<String, Optional<ReleaseKeySet.Signed>> keysByEnvironment = new HashMap<>();
        Map<UUID, Entry> built = new HashMap<>();
        for (Node node : found) {
            Map<String, Release> byApp = rowsByNode.getOrDefault(node.getId(), List.of()).stream()
                    .collect(Collectors.toMap(NodeDesired::getApplication, r -> byId.get(r.getReleaseId())));
            List<AppRelease> apps = new ArrayList<>();
            for (String app : graph.order(byApp.keySet())) {
                Release r = byApp.get(app);
                Set<String> deps = graph.dependenciesWithin(app, byApp.keySet());
                apps.add(DesiredStateMapper.appRelease(r, artifactBySha.get(r.getArtifactSha256()), deps));
            }
            Optional<ReleaseKeySet.Signed> keys =
                    keysByEnvironment.computeIfAbsent(node.getEnvironment(), releaseKeys::current);
            built.put(
                    node.getId(),
                    new Entry(
                            node.getId(),
                            node.getEnvironment(),
                            node.getGeneration(),
                            DesiredStateMapper.desiredState(node, apps, keys)));
        }
        return built;
    }

    /**
     * Builds the entries of the nodes whose change was announced, all at once, then tells the
     * listeners: a wave of ten thousand nodes is a handful of queries, not one load per node when
     * each parked poll or push session asks for its state. A node whose load failed or came back
     * older than announced is still announced; its listener then loads it alone.
     */
    private void drainAnnounced() {
        preloadScheduled.set(false);
        List<UUID> ids = new ArrayList<>();
        for (UUID id; (id = announced.poll()) != null; ) {
            ids.add(id);
        }
        if (ids.isEmpty()) {
            return;
        }
        for (int from = 0; from < ids.size(); from += PRELOAD_CHUNK) {
            List<UUID> chunk = ids.subList(from, Math.min(ids.size(), from + PRELOAD_CHUNK));
            try {
                preload(chunk);
            } catch (RuntimeException e) {
                log.warn("Could not preload the desired state of {} node(s): {}", chunk.size(), e.toString());
            }
            chunk.forEach(id -> nodeListeners.forEach(l -> l.accept(id)));
        }
    }

    /** Loads these nodes' entries in one read and keeps those at least as new as announced; returns how many. */
    private int preload(List<UUID> chunk) {
        Map<UUID, Entry> loaded = readOnly.execute(status -> loadAll(chunk));
        if (loaded == null) {
            return 0;
        }
        loaded.values().forEach(e -> {
            if (e.generation() >= floors.getOrDefault(e.nodeId(), 0L)) {
                keep(e);
            }
        });
        return loaded.size();
    }

    /**
     * Loads every node's entry, a chunk at a time, before agents can connect: after a restart ten
     * thousand agents ask at once, and each cold read is several queries; warm, each is a map
     * lookup. Returns how many entries were loaded.
     */
    int warmUp() {
        List<UUID> ids = readOnly.execute(status -> nodes.findAllIds());
        int loaded = 0;
        for (int from = 0; ids != null && from < ids.size(); from += PRELOAD_CHUNK) {
            loaded += preload(ids.subList(from, Math.min(ids.size(), from + PRELOAD_CHUNK)));
        }
        return loaded;
    }

    @PreDestroy
    void shutdown() {
        preloader.shutdownNow();
    }
}
