package dev.tide.controlplane.comparison;

import dev.tide.controlplane.deployment.DeploymentState;
import dev.tide.controlplane.deployment.DeploymentView;
import dev.tide.controlplane.environment.DeliveryMode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/compare?a=&b=}: the console's compare page as JSON (what {@code tide compare}
 * prints). Without {@code a}/{@code b}, the first PUSH and the first PULL environment.
 */
@RestController
@RequestMapping("/api/v1/compare")
class ComparisonController {
    private final Comparison comparison;

    ComparisonController(Comparison comparison) {
        this.comparison = comparison;
    }

    /** The deployment a side is measured on. */
    record DeploymentRef(
            UUID id, DeploymentState state, Instant createdAt, Instant finishedAt, DeploymentView.Summary summary) {}

    /**
     * One environment's figures; times in milliseconds, null where nothing became healthy.
     *
     * @param agentRequests agent RPCs by method since this control plane started
     */
    record SideView(
            String environment,
            DeliveryMode mode,
            DeploymentRef deployment,
            int healthyTargets,
            Long medianMillis,
            Long p90Millis,
            Long maxMillis,
            Map<String, Long> phaseMedianMillis,
            Map<String, Double> agentRequests,
            double pushApplies) {
        static SideView of(Comparison.Side s) {
            DeploymentView d = s.deployment();
            return new SideView(
                    s.environment().getName(),
                    s.environment().getMode(),
                    d == null ? null : new DeploymentRef(d.id(), d.state(), d.createdAt(), d.finishedAt(), d.summary()),
                    s.convergeMillis().size(),
                    s.p50(),
                    s.p90(),
                    s.max(),
                    s.phaseMedians(),
                    s.requests(),
                    s.pushApplies());
        }
    }

    record CompareView(List<SideView> sides) {}

    @GetMapping
    CompareView compare(@RequestParam(required = false) String a, @RequestParam(required = false) String b) {
        return new CompareView(
                comparison.compare(a, b).sides().stream().map(SideView::of).toList());
    }
}
