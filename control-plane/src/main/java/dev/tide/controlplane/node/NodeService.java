package dev.tide.controlplane.node;

import dev.tide.controlplane.application.Release;
import dev.tide.controlplane.application.ReleaseRepository;
import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.environment.EnvironmentService;
import dev.tide.controlplane.system.NotFoundException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.context.ApplicationEventPublisher;
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

    NodeService(
            NodeRepository nodes,
            NodeDesiredRepository desired,
            NodeActualRepository actual,
            ReleaseRepository releases,
            EnvironmentService environments,
            AuditService audit,
            ApplicationEventPublisher events) {
        this.nodes = nodes;
        this.desired = desired;
        this.actual = actual;
        this.releases = releases;
        this.environments = environments;
        this.audit = audit;
        this.events = events;
    }

    /** A node with, per application, the desired and the reported state. */
    public record NodeDetail(
            Node node, List<NodeDesired> desired, List<NodeActual> actual, Map<UUID, Release> releases) {}

    /** Published after a node was removed, so caches and sessions can forget it. */
    public record NodeRemoved(UUID id, String environment) {}

    @Transactional(readOnly = true)
    public List<NodeDetail> list(String environment) {
        List<Node> found;
        if (environment == null) {
            found = nodes.findAllByOrderByEnvironmentAscNameAsc();
        } else {
            environments.get(environment);
            found = nodes.findAllByEnvironmentOrderByNameAsc(environment);
        }
        return details(found);
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
