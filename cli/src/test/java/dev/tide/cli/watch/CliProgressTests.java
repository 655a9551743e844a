package dev.tide.cli.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.cli.ExitCode;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Live progress of {@code tide deploy --wait}: the model the journal moves, the bars, the summary. */
class CliProgressTests {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Two stages (db, then web), db in two waves of one node. */
    private static final JsonNode PLAN = JSON.readTree("""
            {"id": "d-1", "environment": "prod", "state": "RUNNING",
             "waves": [{"stage": 0, "wave": 0, "applications": ["db"]},
                       {"stage": 0, "wave": 1, "applications": ["db"]},
                       {"stage": 1, "wave": 0, "applications": ["web"]}],
             "targets": [{"node": "n1", "application": "db", "stage": 0, "wave": 0, "state": "HEALTHY"},
                         {"node": "n2", "application": "db", "stage": 0, "wave": 1, "state": "HEALTHY"},
                         {"node": "n1", "application": "web", "stage": 1, "wave": 0, "state": "DESIRED"},
                         {"node": "n2", "application": "web", "stage": 1, "wave": 0, "state": "PENDING"}]}
            """);

    @Test
    void replayingTheJournalFromTheStartEndsInTheCurrentState() {
        DeploymentProgress p = DeploymentProgress.of(PLAN);
        assertThat(p.tally().healthy()).as("the plan starts from nothing done").isZero();

        p.apply(entry("running", null, null, "rolling out"));
        DeploymentProgress.Change change = p.apply(target("n1", "db", "healthy", ""));
        p.apply(target("n2", "db", "desired", "generation 7"));
        p.apply(target("n2", "db", "healthy", ""));
        p.apply(target("n1", "web", "failed", "health check: HTTP 503"));

        assertThat(change.text()).isEqualTo("stage 0 wave 0  n1 db: HEALTHY");
        assertThat(p.apply(target("n1", "web", "failed", "again")))
                .as("no change, no line")
                .isNull();
        assertThat(p.tally()).isEqualTo(new DeploymentProgress.Tally(4, 2, 1, 0, 0, 0));
        assertThat(p.state()).isEqualTo("RUNNING");
        assertThat(p.finished()).isFalse();

        assertThat(p.apply(entry("rolled_back", null, null, "threshold passed")).text())
                .isEqualTo("deployment ROLLED_BACK: threshold passed");
        assertThat(p.finished()).isTrue();
    }

    @Test
    void aFailedTargetsLineSaysWhy() {
        DeploymentProgress p = DeploymentProgress.of(PLAN);
        assertThat(p.apply(target("n1", "web", "failed", "health check: HTTP 503"))
                        .text())
                .isEqualTo("stage 1 wave 0  n1 web: FAILED (health check: HTTP 503)");
        assertThat(p.apply(entry("step", 1, 0, "released wave 0 of stage 1 [web] to 2 node(s)"))
                        .text())
                .isEqualTo("released wave 0 of stage 1 [web] to 2 node(s)");
    }

    @Test
    void eachWaveGetsABarWhoseSegmentsAddUpToItsWidth() {
        DeploymentProgress p = DeploymentProgress.of(PLAN);
        p.apply(entry("running", null, null, "rolling out"));
        p.apply(target("n1", "db", "healthy", ""));
        p.apply(target("n2", "db", "applied", ""));
        p.apply(target("n1", "web", "failed", "boom"));
        p.apply(target("n2", "web", "skipped", "stopped"));

        List<String> frame = new ProgressBars(false, false).frame(p, "3.2s");

        assertThat(frame)
                .containsExactly(
                        "Deployment d-1 to prod: RUNNING  (3.2s)",
                        "  stage 0 wave 0  db   [########################]  1/1 healthy",
                        "  stage 0 wave 1  db   [========================]  0/1 healthy, 1 in flight",
                        "  stage 1 wave 0  web  [xxxxxxxxxxxx------------]  0/2 healthy, 1 failed, 1 skipped",
                        "  rolling out");
    }

    @Test
    void coloursAndBlocksOnlyWhenAskedFor() {
        DeploymentProgress p = DeploymentProgress.of(PLAN);
        p.apply(target("n1", "db", "healthy", ""));
        String plain = String.join("\n", new ProgressBars(false, false).frame(p, "1s"));
        String fancy = String.join("\n", new ProgressBars(true, true).frame(p, "1s"));

        assertThat(plain).doesNotContain("\033[").doesNotContain("█");
        assertThat(fancy).contains("\033[32m█").contains("░");
    }

    @Test
    void theSummaryGivesTheOutcomeTheLatencyAndWhatFailed() {
        JsonNode done = JSON.readTree("""
                {"id": "d-1", "state": "ROLLED_BACK", "message": "1 target(s) failed; rolled back",
                 "createdAt": "2026-12-01T10:00:00Z", "startedAt": "2026-12-01T10:00:01Z",
                 "finishedAt": "2026-12-01T10:00:13.500Z",
                 "summary": {"targets": 2, "healthy": 0, "failed": 1, "medianConvergeMillis": 850,
                             "maxConvergeMillis": 850},
                 "targets": [{"node": "n1", "application": "web", "state": "ROLLED_BACK", "error": null},
                             {"node": "n2", "application": "web", "state": "FAILED",
                              "error": "health check: HTTP 503"}]}
                """);

        assertThat(DeploymentWatcher.summary(done))
                .containsExactly(
                        "Deployment d-1 ROLLED_BACK in 12.5s: 0/2 targets healthy, 1 failed; time to healthy: median"
                                + " 850ms, slowest 850ms",
                        "  1 target(s) failed; rolled back",
                        "  n2 web: FAILED: health check: HTTP 503");
    }

    @Test
    void everyOutcomeHasItsOwnExitCode() {
        assertThat(List.of("SUCCEEDED", "FAILED", "ROLLED_BACK", "CANCELLED").stream()
                        .map(ExitCode::forDeploymentState))
                .containsExactly(0, 3, 4, 5);
    }

    private static JsonNode target(String node, String app, String state, String message) {
        return JSON.valueToTree(java.util.Map.of(
                "id",
                1,
                "at",
                "2026-12-01T10:00:02Z",
                "type",
                "target." + state,
                "node",
                node,
                "application",
                app,
                "message",
                message));
    }

    private static JsonNode entry(String type, Integer stage, Integer wave, String message) {
        var node = JSON.createObjectNode();
        node.put("type", type).put("at", "2026-12-01T10:00:01Z").put("message", message);
        if (stage != null) {
            node.put("stage", stage).put("wave", wave);
        }
        return node;
    }
}
