package dev.tide.controlplane.node;

import dev.tide.controlplane.application.Release;
import dev.tide.controlplane.application.ReleaseRepository;
import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.environment.EnvironmentService;
import dev.tide.controlplane.system.NotFoundException;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageImpl;
import org.springframework.data.domain.PageRequest;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Reads nodes with their desired and actual state; removes nodes. */
@Service
public class NodeService {
    private final NodeRepository nodes;
    private final NodeDesiredRepository desired;
    private final NodeActualRepository actual;
    private final ReleaseRepository releases;
    private final EnvironmentService environments;
    private final AuditService audit;
    private final ApplicationEventPublisher events;
    private final NodeSearch search;
    private final Clock clock;

    NodeService(
            NodeRepository nodes,
            NodeDesiredRepository desired,
            NodeActualRepository actual,
            ReleaseRepository releases,
            EnvironmentService environments,
            AuditService audit,
            ApplicationEventPublisher events,
            NodeSearch search,
            Clock clock) {
        this.nodes = nodes;
        this.desired = desired;
        this.actual = actual;
        this.releases = releases;
        this.environments = environments;
        this.audit = audit;
        this.events = events;
        this.search = search;
        this.clock = clock;
    }

    /** A node with, per application, the desired and the reported state. */
    public record NodeDetail(
            Node node, List<NodeDesired> desired, List<NodeActual> actual, Map<UUID, Release> releases) {}

    /** Published after a node was removed, so caches and sessions can forget it. */
    public record NodeRemoved(UUID id, String environment) {}

    /** How many nodes of an environment are online, converged, on its mode and pushable. */
    public record Summary(long nodes, long online, long converged, long modeAcknowledged, long pushable) {
        public static final Summary NONE = new Summary(0, 0, 0, 0, 0);
    }

    /** One page of the nodes a query matches, in order of environment and name. */
    @Transactional(readOnly = true)
    public Page<NodeDetail> search(NodeQuery query) {
        if (query.environment() != null) {
            environments.get(query.environment());
        }
        NodeSearch.Found found = search.find(query, clock.instant());
        Map<UUID, Node> byId =
                nodes.findAllById(found.ids()).stream().collect(Collectors.toMap(Node::getId, Function.identity()));
        List<Node> page = found.ids().stream()
                .map(byId::get)
                .filter(java.util.Objects::nonNull)
                .toList();
        return new PageImpl<>(details(page), PageRequest.of(query.page(), query.size()), found.total());
    }

    /** Per environment with nodes (all, or the one named), counted in the database. */
    @Transactional(readOnly = true)
    public Map<String, Summary> summaries(String environment) {
        return search.counts(clock.instant(), environment);
    }

    @Transactional(readOnly = true)
    public NodeDetail get(UUID id) {
        return details(List.of(find(id))).get(0);
    }

    @Transactional(readOnly = true)
    public Node find(UUID id) {
        return nodes.findById(id).orElseThrow(() -> new NotFoundException("node", id));
    }

    @Transactional
    public void delete(UUID id) {
        Node node = find(id);
        // Published first: a listener in this transaction (deployment targets on the node) takes
        // its locks before the node row's, in the same order as the orchestrator.
        events.publishEvent(new NodeRemoved(id, node.getEnvironment()));
        nodes.deleteNow(id);
        audit.record("node.delete", "node/" + id, Map.of("name", node.getName(), "environment", node.getEnvironment()));
    }

    private List<NodeDetail> details(List<Node> found) {
        Set<UUID> ids = found.stream().map(Node::getId).collect(Collectors.toSet());
        Map<UUID, List<NodeDesired>> desiredByNode =
                desired.findAllByNodeIn(ids).stream().collect(Collectors.groupingBy(NodeDesired::getNode));
        Map<UUID, List<NodeActual>> actualByNode =
                actual.findAllByNodeIn(ids).stream().collect(Collectors.groupingBy(NodeActual::getNode));
        Set<UUID> releaseIds = new HashSet<>();
        desiredByNode.values().forEach(l -> l.forEach(d -> releaseIds.add(d.getReleaseId())));
        Map<UUID, Release> releaseMap = releases.findAllById(releaseIds).stream()
                .collect(Collectors.toMap(Release::getId, Function.identity()));
        return found.stream()
                .map(n -> new NodeDetail(
                        n,
                        desiredByNode.getOrDefault(n.getId(), List.of()),
                        actualByNode.getOrDefault(n.getId(), List.of()),
                        releaseMap))
                .toList();
    }
}
