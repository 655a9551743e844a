package dev.tide.controlplane.comparison;

import dev.tide.controlplane.deployment.DeploymentService;
import dev.tide.controlplane.deployment.DeploymentView;
import dev.tide.controlplane.deployment.Percentile;
import dev.tide.controlplane.environment.DeliveryMode;
import dev.tide.controlplane.environment.Environment;
import dev.tide.controlplane.environment.EnvironmentService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.springframework.stereotype.Component;

/**
 * Push versus pull, measured: two environments side by side for their latest deployments. Per side:
 * time to healthy per node (sorted, so it is the distribution), its median, 90th percentile and
 * slowest, where that time went (desired → delivered → applied → healthy, medians), and the load it
 * put on the control plane (agent RPCs and push applies counted by the delivery layer since this
 * control plane started). The console's compare page and {@code GET /api/v1/compare} show it.
 */
@Component
public class Comparison {
    private final EnvironmentService environments;
    private final DeploymentService deployments;
    private final MeterRegistry meters;

    Comparison(EnvironmentService environments, DeploymentService deployments, MeterRegistry meters) {
        this.environments = environments;
        this.deployments = deployments;
        this.meters = meters;
    }

    /** One side of the comparison. */
    public record Side(
            Environment environment,
            DeploymentView deployment,
            List<Long> convergeMillis,
            Long p50,
            Long p90,
            Long max,
            Map<String, Long> phaseMedians,
            Map<String, Double> requests,
            double pushApplies) {}

    /**
     * The environments compared (by default the first PUSH one and the first PULL one), with all
     * environments to choose from.
     */
    public record Result(List<Environment> environments, String a, String b, List<Side> sides) {}

    /** Compares {@code a} and {@code b} (either may be null or blank for the default pick). */
    public Result compare(String a, String b) {
        List<Environment> all = environments.list();
        String first = a != null && !a.isBlank() ? a : defaultPick(all, DeliveryMode.PUSH, null);
        String second = b != null && !b.isBlank() ? b : defaultPick(all, DeliveryMode.PULL, first);
        List<Side> sides = new ArrayList<>();
        for (String name : new String[] {first, second}) {
            if (name != null) {
                sides.add(side(environments.get(name)));
            }
        }
        return new Result(all, first, second, sides);
    }

    /** The first environment in {@code mode}, else any other than {@code not}. */
    private static String defaultPick(List<Environment> all, DeliveryMode mode, String not) {
        return all.stream()
                .filter(e -> e.getMode() == mode && !e.getName().equals(not))
                .findFirst()
                .or(() -> all.stream().filter(e -> !e.getName().equals(not)).findFirst())
                .map(Environment::getName)
                .orElse(null);
    }

    private Side side(Environment env) {
        DeploymentView view = deployments.list(env.getName(), 1).stream()
                .findFirst()
                .map(d -> DeploymentView.of(deployments.get(d.getId())))
                .orElse(null);
        List<Long> converge = new ArrayList<>();
        Map<String, Long> phases = new LinkedHashMap<>();
        if (view != null) {
            view.targets().stream()
                    .filter(t -> t.desiredAt() != null && t.healthyAt() != null)
                    .map(t -> Duration.between(t.desiredAt(), t.healthyAt()).toMillis())
                    .sorted()
                    .forEach(converge::add);
            phases.put(
                    "desired → delivered",
                    median(
                            view.targets(),
                            DeploymentView.TargetView::desiredAt,
                            DeploymentView.TargetView::deliveredAt));
            phases.put(
                    "delivered → applied",
                    median(
                            view.targets(),
                            DeploymentView.TargetView::deliveredAt,
                            DeploymentView.TargetView::appliedAt));
            phases.put(
                    "applied → healthy",
                    median(view.targets(), DeploymentView.TargetView::appliedAt, DeploymentView.TargetView::healthyAt));
        }
        Map<String, Double> requests = new TreeMap<>();
        meters.find("tide.agent.requests")
                .tag("environment", env.getName())
                .counters()
                .forEach(c -> requests.merge(c.getId().getTag("method"), c.count(), Double::sum));
        double applies = meters.find("tide.push.applies").tag("environment", env.getName()).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
        return new Side(
                env,
                view,
                converge,
                // The median and the slowest as the deployment page and the REST API show them.
                view == null ? null : view.summary().medianConvergeMillis(),
                percentile(converge, 90),
                view == null ? null : view.summary().maxConvergeMillis(),
                phases,
                requests,
                applies);
    }

    private static Long median(
            List<DeploymentView.TargetView> targets,
            Function<DeploymentView.TargetView, Instant> from,
            Function<DeploymentView.TargetView, Instant> to) {
        List<Long> values = targets.stream()
                .filter(t -> from.apply(t) != null && to.apply(t) != null)
                .map(t -> Duration.between(from.apply(t), to.apply(t)).toMillis())
                .sorted()
                .toList();
        return percentile(values, 50);
    }

    private static Long percentile(List<Long> sorted, int p) {
        return Percentile.of(sorted, p);
    }
}
