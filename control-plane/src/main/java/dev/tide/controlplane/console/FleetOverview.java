package dev.tide.controlplane.console;

import dev.tide.controlplane.deployment.DeploymentService;
import dev.tide.controlplane.deployment.DeploymentView;
import dev.tide.controlplane.environment.Environment;
import dev.tide.controlplane.environment.EnvironmentService;
import dev.tide.controlplane.node.NodeService;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** The dashboard's figures per environment, read through the services. */
@Component
public class FleetOverview {
    private final EnvironmentService environments;
    private final NodeService nodes;
    private final DeploymentService deployments;

    FleetOverview(EnvironmentService environments, NodeService nodes, DeploymentService deployments) {
        this.environments = environments;
        this.nodes = nodes;
        this.deployments = deployments;
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

    /** Every environment, its nodes counted in the database, not loaded. */
    List<EnvironmentSummary> summaries() {
        Map<String, NodeService.Summary> counts = nodes.summaries(null);
        return environments.list().stream()
                .map(env -> summary(env, counts.getOrDefault(env.getName(), NodeService.Summary.NONE)))
                .toList();
    }

    private EnvironmentSummary summary(Environment env, NodeService.Summary counts) {
        DeploymentView.ListItem last = deployments.list(env.getName(), 1).stream()
                .findFirst()
                .map(DeploymentView.ListItem::of)
                .orElse(null);
        return new EnvironmentSummary(
                env,
                (int) counts.nodes(),
                (int) counts.online(),
                (int) counts.converged(),
                (int) counts.modeAcknowledged(),
                last);
    }
}
