package dev.tide.controlplane.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.StatementCounter;
import dev.tide.controlplane.application.ReleaseRepository;
import dev.tide.controlplane.environment.DeliveryMode;
import dev.tide.controlplane.node.Node;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A rollout step costs a constant number of SQL statements, however many nodes its wave has:
 * desired state is written for the whole wave at once, not node by node. Counted, not timed.
 */
class RolloutStatementCountTests extends IntegrationTest {
    @Autowired
    DeploymentExecutor executor;

    @Autowired
    TargetProgress progress;

    @Autowired
    DeploymentRepository deployments;

    @Autowired
    ReleaseRepository releases;

    @Autowired
    TransactionTemplate tx;

    @Autowired
    EntityManager entityManager;

    /**
     * Deploys db and web (which depends on db) to {@code nodeCount} nodes, reports db healthy on
     * every node and counts the statements of the step that releases web to all of them. The
     * test holds the deployment's lock meanwhile, so the orchestrator's own thread cannot take
     * the step first.
     */
    private int statementsToReleaseTheSecondStage(int nodeCount) {
        String env = createEnvironment("PULL");
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < nodeCount; i++) {
            nodes.add(insertNode(env, "n" + i, Map.of()));
        }
        String db = createApplication();
        String web = createApplication(db);
        createRelease(db, "1.0.0");
        createRelease(web, "1.0.0");
        UUID id = UUID.fromString(as(deployer())
                .post(
                        "/api/v1/deployments",
                        Map.of(
                                "environment", env,
                                "releases",
                                        List.of(
                                                Map.of("application", db, "version", "1.0.0"),
                                                Map.of("application", web, "version", "1.0.0")),
                                "strategy", Map.of("batchSize", "100%", "targetTimeoutSeconds", 300)))
                .expect(201)
                .text("/id"));
        await().atMost(Duration.ofSeconds(20)).until(() -> targets(id, db, "DESIRED") == nodeCount);
        UUID dbRelease =
                releases.findByApplicationAndVersion(db, "1.0.0").orElseThrow().getId();

        int statements = tx.execute(status -> {
            deployments.findForUpdate(id).orElseThrow();
            progress.applyAll(nodes.stream()
                    .map(n -> new TargetProgress.NodeReport(
                            n.getId(),
                            generation(n),
                            List.of(),
                            List.of(new TargetProgress.AppState(db, dbRelease, "HEALTHY", "")),
                            DeliveryMode.PULL))
                    .toList());
            entityManager.flush();
            return StatementCounter.count(() -> {
                        executor.advance(id);
                        entityManager.flush(); // the targets' updates too
                        return null;
                    })
                    .statements();
        });

        assertThat(targets(id, web, "DESIRED")).isEqualTo(nodeCount);
        assertThat(count(
                        "select count(*) from node_desired d join node n on n.id = d.node"
                                + " where n.environment = ? and d.application = ? and d.generation = n.generation",
                        env,
                        web))
                .isEqualTo(nodeCount);
        return statements;
    }

    private long targets(UUID deployment, String application, String state) {
        return count(
                "select count(*) from deployment_target where deployment_id = ? and application = ? and state = ?",
                deployment,
                application,
                state);
    }

    private long generation(Node node) {
        return jdbc.queryForObject("select generation from node where id = ?", Long.class, node.getId());
    }

    @Test
    void releasingAWaveTakesAsManyStatementsForSixtyNodesAsForFive() {
        int five = statementsToReleaseTheSecondStage(5);
        int sixty = statementsToReleaseTheSecondStage(60);

        assertThat(sixty).as("statements for 60 nodes (5 nodes: %d)", five).isEqualTo(five);
        assertThat(five).isLessThan(20);
    }
}
