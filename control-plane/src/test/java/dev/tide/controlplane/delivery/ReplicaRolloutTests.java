package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.security.KeyMaterial;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A rollout driven by two replicas at once, whose agents report to either: every step is taken
 * once, and when the replica that started the deployment stops, the other one finishes it.
 */
class ReplicaRolloutTests {
    private static final int NODES = 4;

    @TempDir
    Path dir;

    @Test
    void eachTargetIsReleasedOnceAndASurvivorFinishesTheDeploymentOfAReplicaThatStopped() throws Exception {
        try (TwoReplicas replicas = new TwoReplicas(dir)) {
            TwoReplicas.Replica a = replicas.start("a");
            TwoReplicas.Replica b = replicas.start("b");
            try (AgentChannels viaA = new AgentChannels(a.grpcPort(), a.pki());
                    AgentChannels viaB = new AgentChannels(b.grpcPort(), a.pki())) {
                a.post("/api/v1/environments", Map.of("name", "rolled", "mode", "PULL"));
                String token = a.post("/api/v1/environments/rolled/enrollment-tokens", Map.of("maxUses", NODES))
                        .path("token")
                        .asString();
                List<EnrollResponse> nodes = new ArrayList<>();
                for (int i = 0; i < NODES; i++) {
                    nodes.add(viaA.enroll(token, "node-" + i));
                }
                String sha = a.postBytes("/api/v1/artifacts", new byte[] {1, 2, 3, 4})
                        .path("sha256")
                        .asString();
                a.post("/api/v1/applications", Map.of("name", "web", "dependsOn", List.of()));
                a.post(
                        "/api/v1/applications/web/releases",
                        Map.of("version", "1.0.0", "artifactSha256", sha, "start", List.of("bin/run")));
                String deployment = a.post(
                                "/api/v1/deployments",
                                Map.of(
                                        "environment",
                                        "rolled",
                                        "releases",
                                        List.of(Map.of("application", "web", "version", "1.0.0")),
                                        "strategy",
                                        Map.of("batchSize", "1")))
                        .path("id")
                        .asString();

                // Agents report to either replica, so both take steps; the first two waves run so.
                Agents agents = new Agents(replicas::jdbc, nodes, viaA, viaB);
                await().atMost(Duration.ofSeconds(60)).until(() -> agents.reportReleased(true) >= 2);

                a.context().close(); // the replica that created (and started) the deployment stops
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    agents.reportReleased(false);
                    return "SUCCEEDED"
                            .equals(b.get("/api/v1/deployments/" + deployment)
                                    .path("state")
                                    .asString());
                });

                JdbcTemplate jdbc = replicas.jdbc();
                List<Map<String, Object>> desired = jdbc.queryForList(
                        "select node_name, count(*) as n from deployment_event"
                                + " where deployment_id = ?::uuid and type = 'target.desired' group by node_name",
                        deployment);
                assertThat(desired)
                        .hasSize(NODES)
                        .allSatisfy(row -> assertThat(((Number) row.get("n")).longValue())
                                .as("target.desired entries of %s", row.get("node_name"))
                                .isEqualTo(1));
                List<Map<String, Object>> steps = jdbc.queryForList(
                        "select wave, count(*) as n from deployment_event"
                                + " where deployment_id = ?::uuid and type = 'step' group by wave",
                        deployment);
                assertThat(steps)
                        .hasSize(NODES)
                        .allSatisfy(row ->
                                assertThat(((Number) row.get("n")).longValue()).isEqualTo(1));
                assertThat(jdbc.queryForObject(
                                "select count(*) from deployment_event where deployment_id = ?::uuid and type = 'succeeded'",
                                Long.class,
                                deployment))
                        .isEqualTo(1);
            }
        }
    }

    /**
     * Pull agents, played from the database: a node whose desired generation moved reports it
     * healthy, alternately through replica a and b (through b only once a stopped). The desired
     * state is read from the table, not from a replica's cache: which replica's cache hears of a
     * change made by another is the replica bus's concern, not this test's.
     */
    private static final class Agents {
        /** Through a replica still running. */
        private final java.util.function.Supplier<JdbcTemplate> jdbc;

        private final List<EnrollResponse> nodes;
        private final AgentChannels viaA;
        private final AgentChannels viaB;
        private final Map<String, Long> reported = new ConcurrentHashMap<>();
        private int sent;

        Agents(
                java.util.function.Supplier<JdbcTemplate> jdbc,
                List<EnrollResponse> nodes,
                AgentChannels viaA,
                AgentChannels viaB) {
            this.jdbc = jdbc;
            this.nodes = nodes;
            this.viaA = viaA;
            this.viaB = viaB;
        }

        /** Reports every node released since its last report; returns how many nodes reported so far. */
        int reportReleased(boolean bothReplicas) {
            for (EnrollResponse node : nodes) {
                long generation = jdbc.get()
                        .queryForObject("select generation from node where id = ?::uuid", Long.class, node.getNodeId());
                if (generation <= reported.getOrDefault(node.getNodeId(), 0L)) {
                    continue;
                }
                DesiredState.Builder state =
                        DesiredState.newBuilder().setNodeId(node.getNodeId()).setGeneration(generation);
                jdbc.get()
                        .query(
                                "select d.application, r.version, r.id from node_desired d join release r on r.id = d.release_id"
                                        + " where d.node = ?::uuid",
                                rs -> {
                                    state.addApplications(AppRelease.newBuilder()
                                            .setApplication(rs.getString(1))
                                            .setVersion(rs.getString(2))
                                            .setReleaseId(
                                                    rs.getObject(3, UUID.class).toString()));
                                },
                                node.getNodeId());
                KeyMaterial material = viaA.material(node);
                AgentChannels via = bothReplicas && sent++ % 2 == 1 ? viaA : viaB;
                AgentGatewayGrpc.newBlockingStub(via.presenting(material))
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .reportStatus(FakePushAgent.healthy(node.getNodeId(), state.build(), DeliveryMode.PULL));
                reported.put(node.getNodeId(), generation);
            }
            return reported.size();
        }
    }
}
