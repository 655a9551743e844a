package dev.tide.controlplane.console;

import dev.tide.controlplane.deployment.DeploymentService;
import dev.tide.controlplane.deployment.DeploymentView;
import dev.tide.controlplane.environment.Environment;
import dev.tide.controlplane.environment.EnvironmentService;
import dev.tide.controlplane.node.NodeService;
import dev.tide.controlplane.node.NodeView;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/** The dashboard's figures per environment, read through the services. */
@Component
public class FleetOverview {
    private final EnvironmentService environments;
    private final NodeService nodes;
    private final DeploymentService deployments;
    private final Clock clock;

    FleetOverview(EnvironmentService environments, NodeService nodes, DeploymentService deployments, Clock clock) {
        this.environments = environments;
        this.nodes = nodes;
        this.deployments = deployments;
        this.clock = clock;
    }

    /** One environment on the dashboard. */
    public record EnvironmentSummary(
            Environment environment,
            int nodes,
            int online,
            int converged,
            int modeAcknowledged,
            DeploymentView.ListItem lastDeployment) {
        /** Converged nodes in percent of all nodes; null without nodes. */
        public Integer convergedPercent() {
            return nodes == 0 ? null : (int) Math.floor(100.0 * converged / nodes);
        }
    }

    List<EnvironmentSummary> summaries() {
        Instant now = clock.instant();
        Map<String, List<NodeView>> byEnv =
                nodes.list(null).stream().map(NodeView::of).collect(Collectors.groupingBy(NodeView::environment));
        return environments.list().stream()
                .map(env -> summary(env, byEnv.getOrDefault(env.getName(), List.of()), now))
                .toList();
    }

    private EnvironmentSummary summary(Environment env, List<NodeView> envNodes, Instant now) {
        int online = (int) envNodes.stream()
                .filter(n -> Liveness.online(n.lastSeenAt(), env, now))
                .count();
        int converged = (int) envNodes.stream().filter(NodeView::converged).count();
        int acked = (int)
                envNodes.stream().filter(n -> n.ackedMode() == env.getMode()).count();
        DeploymentView.ListItem last = deployments.list(env.getName(), 1).stream()
                .findFirst()
                .map(DeploymentView.ListItem::of)
                .orElse(null);
        return new EnvironmentSummary(env, envNodes.size(), online, converged, acked, last);
    }
}
