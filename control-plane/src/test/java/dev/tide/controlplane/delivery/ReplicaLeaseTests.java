package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two control-plane replicas on one database, dialling push agents over real gRPC sockets with
 * mutual TLS: each node is dialled by exactly one of them, the nodes of a replica that stops (or
 * stops renewing) are taken by the other with a newer lease epoch, and a replica restarted under
 * its id takes back what its previous run held at once. A replica that joins takes its share at
 * the rebalance rate, not all at once.
 */
class ReplicaLeaseTests {
    private static final int NODES = 4;

    @TempDir
    Path dir;

    @Test
    void eachPushNodeIsDialledByExactlyOneReplicaAndASurvivorTakesItsNodesWithANewerEpoch() throws Exception {
        try (TwoReplicas replicas = new TwoReplicas(dir)) {
            // a hands back one lease a round (1 a second, rounds every second)
            TwoReplicas.Replica a = replicas.start("a", "--tide.cluster.rebalance-rate=1");
            Map<UUID, FakePushAgent> agents = new HashMap<>();
            try (AgentChannels channels = new AgentChannels(a.grpcPort(), a.pki())) {
                a.post("/api/v1/environments", Map.of("name", "replicated", "mode", "PUSH"));
                String token = a.post("/api/v1/environments/replicated/enrollment-tokens", Map.of("maxUses", NODES))
                        .path("token")
                        .asString();
                for (int i = 0; i < NODES; i++) {
                    FakePushAgent agent = new FakePushAgent(a.pki());
                    EnrollResponse node = channels.enroll(EnrollRequest.newBuilder()
                            .setToken(token)
                            .setName("node-" + i)
                            .setPushEndpoint(agent.endpoint()));
                    agent.enrolled(node.getNodeId(), channels.material(node));
                    agents.put(UUID.fromString(node.getNodeId()), agent);
                }

                // Alone, a dials every node.
                await().atMost(Duration.ofSeconds(30))
                        .untilAsserted(
                                () -> assertThat(a.dispatcher().openSessions()).hasSize(NODES));

                // b joins: a hands its nodes over at its rebalance rate, one a round, not all at once.
                TwoReplicas.Replica b = replicas.start("b");
                PushLeases aLeases = a.bean(PushLeases.class);
                Set<Integer> heldByA = new HashSet<>();
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> {
                            int held = aLeases.held().size();
                            heldByA.add(held);
                            return held == NODES / 2;
                        });
                assertThat(heldByA).as("leases a held while b joined").contains(NODES - 1);

                // Both replicas hold their fair share (2 each), and each node has one session.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    Set<UUID> onA = a.dispatcher().openSessions();
                    Set<UUID> onB = b.dispatcher().openSessions();
                    // sizes first: assertj refuses an empty set to compare against, and an
                    // exception other than an assertion would end the wait at once
                    assertThat(onA).hasSize(NODES / 2);
                    assertThat(onB).hasSize(NODES / 2);
                    assertThat(onA).doesNotContainAnyElementsOf(onB);
                    assertThat(agents.values())
                            .allSatisfy(agent -> assertThat(agent.open.get()).isEqualTo(1));
                });
                Set<UUID> aNodes = a.dispatcher().openSessions();
                int sessionsSoFar =
                        agents.values().stream().mapToInt(x -> x.epochs.size()).sum();
                // ... and it stays so: no session flaps between the replicas.
                await().during(Duration.ofSeconds(3))
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> agents.values().stream()
                                        .mapToInt(x -> x.epochs.size())
                                        .sum()
                                == sessionsSoFar);
                assertThat(agents.values())
                        .allSatisfy(agent -> assertThat(agent.mostOpen.get())
                                .as("sessions open at once to one agent")
                                .isEqualTo(1));
                Map<UUID, Long> epochsBefore = new HashMap<>();
                agents.forEach((id, agent) -> epochsBefore.put(id, agent.lastEpoch()));
                assertThat(epochsBefore.values()).allMatch(e -> e > 0);

                // Replica a stops: b takes its nodes within the lease TTL, each with a newer epoch.
                long stopped = System.nanoTime();
                a.context().close();
                await().atMost(TwoReplicas.LEASE_TTL)
                        .untilAsserted(
                                () -> assertThat(b.dispatcher().openSessions()).hasSize(NODES));
                System.out.printf(
                        "measured: replica b held all %d sessions %d ms after replica a stopped%n",
                        NODES, Duration.ofNanos(System.nanoTime() - stopped).toMillis());
                for (UUID node : aNodes) {
                    assertThat(agents.get(node).lastEpoch()).isGreaterThan(epochsBefore.get(node));
                }

                // A replica that dies without handing its leases back (simulated: a "ghost" takes two
                // of b's nodes in the table, then never renews): b stops dialling them at once, and
                // takes them back once the ghost's leases expire, with newer epochs than the ghost's.
                List<UUID> taken = new ArrayList<>(b.dispatcher().openSessions()).subList(0, 2);
                replicas.jdbc()
                        .update(
                                "insert into control_plane_replica (id, started_at, heartbeat_at) values ('ghost', now(), now())");
                Map<UUID, Long> ghostEpochs = giveLeases(replicas, "ghost", taken, "3 seconds");
                await().atMost(Duration.ofSeconds(5))
                        .untilAsserted(
                                () -> assertThat(b.dispatcher().openSessions()).doesNotContainAnyElementsOf(taken));
                long lost = System.nanoTime();
                await().atMost(TwoReplicas.LEASE_TTL.plusSeconds(5)).untilAsserted(() -> {
                    assertThat(b.dispatcher().openSessions()).containsAll(taken);
                    for (UUID node : taken) {
                        assertThat(agents.get(node).lastEpoch()).isGreaterThan(ghostEpochs.get(node));
                    }
                });
                System.out.printf(
                        "measured: the dead replica's 2 nodes were dialled again %d ms after its leases were taken%n",
                        Duration.ofNanos(System.nanoTime() - lost).toMillis());
                assertThat(new HashSet<>(agents.values()))
                        .allSatisfy(agent -> assertThat(agent.mostOpen.get()).isEqualTo(1));

                // A replica restarted after kill -9 comes back under the same id (by default its
                // host and data dir) and finds leases its previous run still holds, far from
                // expiry: it takes them back in its first round, with newer epochs, instead of
                // waiting for them to expire.
                List<UUID> previousRun = new ArrayList<>(b.dispatcher().openSessions()).subList(0, 2);
                Map<UUID, Long> previousEpochs = giveLeases(replicas, "c", previousRun, "10 minutes");
                TwoReplicas.Replica c = replicas.start("c");
                long restarted = System.nanoTime();
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(c.dispatcher().openSessions()).containsAll(previousRun);
                    for (UUID node : previousRun) {
                        assertThat(agents.get(node).lastEpoch()).isGreaterThan(previousEpochs.get(node));
                    }
                });
                System.out.printf(
                        "measured: the restarted replica dialled its previous run's 2 nodes %d ms after it started%n",
                        Duration.ofNanos(System.nanoTime() - restarted).toMillis());
            } finally {
                for (FakePushAgent agent : agents.values()) {
                    agent.close();
                }
            }
        }
    }

    /** Writes {@code nodes}' leases to {@code owner} with new epochs, valid for {@code validFor}; their epochs. */
    private static Map<UUID, Long> giveLeases(TwoReplicas replicas, String owner, List<UUID> nodes, String validFor) {
        replicas.jdbc()
                .update(
                        "update push_lease set owner = ?, epoch = nextval('push_lease_epoch'),"
                                + " expires_at = now() + ?::interval where node_id = any(?)",
                        owner,
                        validFor,
                        nodes.toArray(UUID[]::new));
        Map<UUID, Long> epochs = new HashMap<>();
        replicas.jdbc()
                .query(
                        "select node_id, epoch from push_lease where owner = ?",
                        rs -> {
                            epochs.put(rs.getObject(1, UUID.class), rs.getLong(2));
                        },
                        owner);
        return epochs;
    }
}
