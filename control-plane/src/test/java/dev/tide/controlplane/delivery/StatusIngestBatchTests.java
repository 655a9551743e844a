package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.StatementCounter;
import dev.tide.controlplane.application.ReleaseRepository;
import dev.tide.controlplane.node.Node;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.AppStatus;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.Event;
import dev.tide.proto.agent.v1.EventType;
import dev.tide.proto.agent.v1.StatusReport;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A batch of status reports is written in a constant number of statements, whatever its size,
 * and writes what the reports say: the node's own columns, what it runs, and the deployment
 * targets the events move. Counted, not timed.
 */
class StatusIngestBatchTests extends IntegrationTest {
    @Autowired
    StatusIngestor ingestor;

    @Autowired
    ReleaseRepository releases;

    @Autowired
    TransactionTemplate tx;

    @Autowired
    EntityManager entityManager;

    private record Fleet(String env, String app, UUID releaseId, UUID deployment, List<Node> nodes) {}

    @Autowired
    DeliveryProperties properties;

    @Test
    void aQuietFleetsReportWaitsBrieflyForCompanyAndABusyOnesForTheWholeInterval() {
        assertThat(ingestor.window(0)).isEqualTo(StatusIngestor.QUIET_WINDOW);
        assertThat(ingestor.window(StatusIngestor.BUSY_BATCH - 1)).isEqualTo(StatusIngestor.QUIET_WINDOW);
        assertThat(ingestor.window(StatusIngestor.BUSY_BATCH)).isEqualTo(properties.reportFlushInterval());
        assertThat(ingestor.window(2000)).isEqualTo(properties.reportFlushInterval());
    }

    @Test
    void aBatchGathersFromItsFirstReportsArrivalNotFromWhenTheWriterIsFreeAgain() {
        long arrived = System.nanoTime() - Duration.ofSeconds(5).toNanos(); // while a batch was written
        StatusIngestor.Pending first = new StatusIngestor.Pending(
                UUID.randomUUID(), StatusReport.getDefaultInstance(), new CompletableFuture<>(), arrived);

        assertThat(ingestor.gatherUntil(first, 2000))
                .isEqualTo(arrived + properties.reportFlushInterval().toNanos())
                .isLessThan(System.nanoTime()); // so it is written at once, with whatever else has queued
        assertThat(ingestor.gatherUntil(first, 0)).isEqualTo(arrived + StatusIngestor.QUIET_WINDOW.toNanos());
    }

    /** {@code size} nodes with a deployment of one application released to all of them. */
    private Fleet deployedTo(int size) {
        String env = createEnvironment("PULL");
        List<Node> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            nodes.add(insertNode(env, "n" + i, Map.of()));
        }
        String app = createApplication();
        createRelease(app, "1.0.0");
        UUID deployment = UUID.fromString(as(deployer())
                .post(
                        "/api/v1/deployments",
                        Map.of(
                                "environment", env,
                                "releases", List.of(Map.of("application", app, "version", "1.0.0")),
                                "strategy", Map.of("batchSize", "100%")))
                .expect(201)
                .text("/id"));
        await().atMost(Duration.ofSeconds(20))
                .until(() -> count(
                                "select count(*) from deployment_target where deployment_id = ? and state = 'DESIRED'",
                                deployment)
                        == size);
        UUID releaseId =
                releases.findByApplicationAndVersion(app, "1.0.0").orElseThrow().getId();
        return new Fleet(env, app, releaseId, deployment, nodes);
    }

    /** What an agent sends once it runs the release healthy: its events and its full state. */
    private StatusReport healthy(Fleet fleet, Node node) {
        long generation = jdbc.queryForObject("select generation from node where id = ?", Long.class, node.getId());
        Timestamp at = Timestamp.newBuilder()
                .setSeconds(Instant.now().getEpochSecond())
                .build();
        StatusReport.Builder report = StatusReport.newBuilder()
                .setNodeId(node.getId().toString())
                .setAppliedGeneration(generation)
                .setMode(DeliveryMode.PULL)
                .setAgentVersion("batch-test/1")
                .addApplications(AppStatus.newBuilder()
                        .setApplication(fleet.app())
                        .setVersion("1.0.0")
                        .setReleaseId(fleet.releaseId().toString())
                        .setState(AppState.HEALTHY));
        for (EventType type : List.of(EventType.DELIVERED, EventType.APPLIED, EventType.BECAME_HEALTHY)) {
            report.addEvents(Event.newBuilder()
                    .setGeneration(generation)
                    .setApplication(fleet.app())
                    .setVersion("1.0.0")
                    .setType(type)
                    .setAt(at));
        }
        return report.build();
    }

    private int statementsToWrite(List<StatusIngestor.Pending> batch) {
        return tx.execute(status -> StatementCounter.count(() -> {
                    ingestor.write(batch);
                    entityManager.flush();
                    return null;
                })
                .statements());
    }

    private List<StatusIngestor.Pending> reports(Fleet fleet) {
        return fleet.nodes().stream()
                .map(n -> new StatusIngestor.Pending(n.getId(), healthy(fleet, n), new CompletableFuture<>()))
                .toList();
    }

    @Test
    void aBatchOfSixtyReportsTakesAsManyStatementsAsABatchOfFive() {
        Fleet small = deployedTo(5);
        Fleet large = deployedTo(60);

        int five = statementsToWrite(reports(small));
        int sixty = statementsToWrite(reports(large));

        assertThat(sixty).as("statements for 60 reports (5 reports: %d)", five).isEqualTo(five);
        assertThat(five).isLessThan(15);
        assertThat(count(
                        "select count(*) from deployment_target where deployment_id = ? and state = 'HEALTHY'"
                                + " and delivered_at is not null and applied_at is not null",
                        large.deployment()))
                .isEqualTo(60);
        assertThat(count(
                        "select count(*) from node_actual a join node n on n.id = a.node where n.environment = ?"
                                + " and a.state = 'HEALTHY' and a.release_id = ? and a.applied_generation = n.generation",
                        large.env(),
                        large.releaseId()))
                .isEqualTo(60);
        assertThat(count(
                        "select count(*) from node where environment = ? and applied_generation = generation"
                                + " and agent_version = 'batch-test/1' and acked_mode = 'PULL' and last_seen_at is not null",
                        large.env()))
                .isEqualTo(60);
    }

    @Test
    void aNodeThatReportsTwiceInABatchAndANodeRemovedMeanwhileDoNotSinkTheBatch() {
        Fleet fleet = deployedTo(3);
        List<StatusIngestor.Pending> batch = new ArrayList<>(reports(fleet));
        Node twice = fleet.nodes().get(0);
        batch.add(
                0,
                new StatusIngestor.Pending(
                        twice.getId(),
                        StatusReport.newBuilder()
                                .setNodeId(twice.getId().toString())
                                .setAppliedGeneration(0) // before it applied anything of the deployment
                                .addApplications(AppStatus.newBuilder()
                                        .setApplication(fleet.app())
                                        .setState(AppState.STARTING))
                                .build(),
                        new CompletableFuture<>()));
        Node removed = fleet.nodes().get(2);
        jdbc.update("delete from node where id = ?", removed.getId());

        statementsToWrite(batch);

        // The later report of the same node wins; the removed node left no row behind.
        assertThat(jdbc.queryForObject(
                        "select state from node_actual where node = ? and application = ?",
                        String.class,
                        twice.getId(),
                        fleet.app()))
                .isEqualTo("HEALTHY");
        assertThat(count("select count(*) from node_actual where node = ?", removed.getId()))
                .isZero();
        assertThat(count(
                        "select count(*) from deployment_target where deployment_id = ? and state = 'HEALTHY'",
                        fleet.deployment()))
                .isEqualTo(2);
    }

    /**
     * A report with one event of {@code type} at the deployment's generation: were it a step, it
     * would move the node's target. (The full state says the generation is not applied yet, so it
     * settles nothing by itself.)
     */
    private StatusReport afterEvent(Fleet fleet, Node node, EventType type, String message) {
        long generation = jdbc.queryForObject("select generation from node where id = ?", Long.class, node.getId());
        return StatusReport.newBuilder()
                .setNodeId(node.getId().toString())
                .setAppliedGeneration(0)
                .addApplications(AppStatus.newBuilder()
                        .setApplication(fleet.app())
                        .setVersion("1.0.0")
                        .setReleaseId(fleet.releaseId().toString())
                        .setRunningVersion("1.0.0")
                        .setRunningReleaseId(fleet.releaseId().toString())
                        .setState(AppState.HEALTHY)
                        .setMessage(message))
                .addEvents(Event.newBuilder()
                        .setGeneration(generation)
                        .setApplication(fleet.app())
                        .setVersion("1.0.0")
                        .setType(type)
                        .setMessage(message))
                .build();
    }

    @Test
    void driftAndRestartEventsAreKeptAsTheApplicationsLastEventAndMoveNoTarget() {
        Fleet fleet = deployedTo(2);
        Node drifted = fleet.nodes().get(0);
        Node quiet = fleet.nodes().get(1);
        String restored = "release files changed on disk: app.txt (changed); restored from the verified artifact and"
                + " restarted";
        List<StatusIngestor.Pending> batch = List.of(
                new StatusIngestor.Pending(
                        drifted.getId(),
                        afterEvent(fleet, drifted, EventType.RESTARTED, "process restarted"),
                        new CompletableFuture<>()),
                new StatusIngestor.Pending(
                        drifted.getId(),
                        afterEvent(fleet, drifted, EventType.DRIFTED, restored),
                        new CompletableFuture<>()),
                new StatusIngestor.Pending(
                        quiet.getId(),
                        afterEvent(fleet, quiet, EventType.DRIFTED, "from a newer agent").toBuilder()
                                .setEvents(
                                        0,
                                        Event.newBuilder()
                                                .setApplication(fleet.app())
                                                .setTypeValue(99))
                                .build(),
                        new CompletableFuture<>()));

        int withoutEvents = statementsToWrite(batch.stream()
                .map(p -> new StatusIngestor.Pending(
                        p.nodeId(), p.report().toBuilder().clearEvents().build(), new CompletableFuture<>()))
                .toList());

        int statements = statementsToWrite(batch);

        assertThat(statements).isEqualTo(withoutEvents); // the events cost no statement
        Map<String, Object> row = jdbc.queryForMap(
                "select running_version, running_release_id, last_event, last_event_message, last_event_at"
                        + " from node_actual where node = ?",
                drifted.getId());
        assertThat(row)
                .containsEntry("running_version", "1.0.0")
                .containsEntry("running_release_id", fleet.releaseId())
                .containsEntry("last_event", "DRIFTED")
                .containsEntry("last_event_message", restored);
        assertThat(row.get("last_event_at")).isNotNull();
        // an event type this control plane does not know is ignored, not a failure
        assertThat(jdbc.queryForObject(
                        "select last_event from node_actual where node = ?", String.class, quiet.getId()))
                .isNull();
        // neither event moved a deployment target: nothing was delivered, applied or healthy
        assertThat(count(
                        "select count(*) from deployment_target where deployment_id = ? and state = 'DESIRED'",
                        fleet.deployment()))
                .isEqualTo(2);

        // a later report without such an event keeps the last one
        statementsToWrite(reports(fleet));
        assertThat(jdbc.queryForObject(
                        "select last_event from node_actual where node = ?", String.class, drifted.getId()))
                .isEqualTo("DRIFTED");
    }
}
