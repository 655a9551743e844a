package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.application.ReleaseRepository;
import dev.tide.controlplane.node.DesiredStateWriter;
import dev.tide.controlplane.node.Node;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.AppStatus;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.StatusReport;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Status batches, rollout waves and last-seen flushes write the same node rows at the same time
 * without deadlocking: every writer locks node rows in id order (last-seen skips locked rows),
 * whatever order its reports or its wave came in. PostgreSQL used to report "deadlock detected"
 * between last-seen and status ingest, and between the rollout and status ingest.
 */
class StatusAndRolloutLockOrderTests extends IntegrationTest {
    private static final int NODES = 40;
    private static final int ROUNDS = 25;

    @Autowired
    StatusIngestor ingestor;

    @Autowired
    DesiredStateWriter writer;

    @Autowired
    LastSeenTracker lastSeen;

    @Autowired
    ReleaseRepository releases;

    @Autowired
    TransactionTemplate tx;

    @Test
    void concurrentStatusBatchesWavesAndLastSeenFlushesNeverDeadlock() throws Exception {
        String env = createEnvironment("PULL");
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            nodes.add(insertNode(env, "n" + i, Map.of()));
        }
        String app = createApplication();
        createRelease(app, "1.0.0");
        UUID releaseId =
                releases.findByApplicationAndVersion(app, "1.0.0").orElseThrow().getId();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                CyclicBarrier start = new CyclicBarrier(3);
                List<Node> reportOrder = new ArrayList<>(nodes);
                Collections.shuffle(reportOrder);
                Map<UUID, Map<String, UUID>> wave = new LinkedHashMap<>();
                List<Node> waveOrder = new ArrayList<>(nodes);
                Collections.shuffle(waveOrder);
                waveOrder.forEach(n -> wave.put(n.getId(), Map.of(app, releaseId)));
                Future<?> status = pool.submit(() -> {
                    start.await();
                    return tx.execute(s -> ingestor.write(reportOrder.stream()
                            .map(n -> new StatusIngestor.Pending(n.getId(), report(n, app), new CompletableFuture<>()))
                            .toList()));
                });
                Future<?> rollout = pool.submit(() -> {
                    start.await();
                    return tx.execute(s -> writer.assignAll(env, wave, null));
                });
                List<Node> seenOrder = new ArrayList<>(reportOrder);
                Collections.reverse(seenOrder);
                Future<?> seen = pool.submit(() -> {
                    seenOrder.forEach(n -> lastSeen.seen(n.getId()));
                    start.await();
                    lastSeen.flush();
                    return null;
                });
                // Any deadlock surfaces here as the exception PostgreSQL sent to its victim.
                status.get(30, TimeUnit.SECONDS);
                rollout.get(30, TimeUnit.SECONDS);
                seen.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(count(
                        "select count(*) from node_desired d join node n on n.id = d.node"
                                + " where n.environment = ? and d.generation = n.generation",
                        env))
                .isEqualTo(NODES);
        assertThat(count("select count(*) from node where environment = ? and last_seen_at is not null", env))
                .isEqualTo(NODES);
    }

    private static StatusReport report(Node node, String app) {
        return StatusReport.newBuilder()
                .setNodeId(node.getId().toString())
                .setAppliedGeneration(0)
                .setMode(DeliveryMode.PULL)
                .addApplications(AppStatus.newBuilder().setApplication(app).setState(AppState.STARTING))
                .build();
    }
}
