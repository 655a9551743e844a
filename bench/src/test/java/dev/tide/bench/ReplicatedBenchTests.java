package dev.tide.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.bench.report.RunResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./tide bench --replicas=2} end to end at a tiny size: two control-plane replicas on the
 * PostgreSQL the bench runs, 20 push agents enrolled through both (agent i through replica i mod
 * 2), install, an upgrade and the dependent deploy, then the replica holding the most push sessions
 * killed ({@code kill -9}) and restarted while a deployment made at once through the other reaches
 * every node. Fixed ports below the ephemeral range, apart from the bench's defaults and from the
 * range tests hand out ({@code Processes.freePort}, 25000 and up), which a test running beside
 * this one may be using.
 */
class ReplicatedBenchTests {
    private static final int AGENTS = 20;

    @TempDir
    Path dir;

    @Test
    void twoReplicasServeTheFleetAndADeploymentReachesEveryNodeWhileTheBusiestIsKilledAndRestarted() throws Exception {
        FleetBench.BenchOptions options = FleetBench.BenchOptions.parse(new String[] {
            "--sizes=" + AGENTS,
            "--modes=push",
            "--replicas=2",
            "--out=" + dir.resolve("report"),
            "--work=" + dir.resolve("work"),
            "--http-port=17180",
            "--grpc-port=17190",
            "--db-port=17432",
            "--listen-base=17200",
            "--idle-seconds=1",
            "--rounds=1",
            "--no-floor",
            "--worker-heap=256m",
            "--control-plane-heap=512m",
            "--worker-pool=16"
        });
        List<String> notes = new ArrayList<>();
        ModeRun run = new ModeRun("push", AGENTS, options, System.out::println, notes);

        RunResult result = run.run();

        notes.forEach(note -> System.out.println("note: " + note));
        // Completed means every deployment SUCCEEDED, the one after the kill healthy on every node.
        assertThat(result.completed()).as(result.failure()).isTrue();
        assertThat(result.replicas()).isEqualTo(2);
        assertThat(result.reconnectSeconds()).isPositive();
        assertThat(result.dbStatements()).isPositive();
        assertThat(run.served()).extracting(ControlPlaneProbe.Served::replica).containsExactly("cp-1", "cp-2");
        assertThat(run.served()).allSatisfy(replica -> {
            assertThat(replica.agentRpcs())
                    .as("agent RPCs served by %s", replica.replica())
                    .isPositive();
            assertThat(replica.pushApplies())
                    .as("push applies sent by %s", replica.replica())
                    .isPositive();
        });
        assertThat(notes)
                .anySatisfy(note -> assertThat(note).contains("was killed (-9)", "stayed up", "answered again"));
        FleetBench.LogScan logs = FleetBench.LogScan.of(dir.resolve("work").resolve("push-" + AGENTS));
        assertThat(logs.errors()).as("ERROR lines, first: %s", logs.first()).isZero();
    }
}
