package dev.tide.bench;

import dev.tide.bench.support.Api;
import dev.tide.bench.support.ControlPlaneProcess;
import dev.tide.bench.support.SharedDatabase;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The control plane of one bench run. With one replica it is the jar on its own embedded
 * PostgreSQL, as an operator's first install runs it (and as every run before replicas, so their
 * figures stay comparable). With N it is N processes of the jar on one PostgreSQL the bench runs
 * itself ({@link SharedDatabase}), set up as docs/configuration.md tells an operator: each with its
 * own data dir, ports (the base ports plus its index), replica id ({@code cp-1}, {@code cp-2}, ...)
 * and artifacts kept in the database, so that every replica serves every artifact.
 */
final class ControlPlanes implements AutoCloseable {
    private final Path dir;
    private final int databasePort;
    private final List<ControlPlaneProcess> replicas = new ArrayList<>();
    private SharedDatabase database;
    /**
     * Stops the replicas when the bench itself is stopped (Ctrl-C, a kill): they are processes of
     * their own and would outlive it, holding its ports and the database.
     */
    private final Thread reaper = new Thread(
            () -> {
                try {
                    stopAll();
                } catch (IOException e) {
                    // the bench is ending either way
                }
            },
            "control-planes-reaper");

    ControlPlanes(Path dir, int count, int httpPort, int grpcPort, int databasePort, List<String> jvmOptions) {
        if (count < 1) {
            throw new IllegalArgumentException("at least one replica, not " + count);
        }
        Runtime.getRuntime().addShutdownHook(reaper);
        this.dir = dir;
        this.databasePort = databasePort;
        for (int i = 0; i < count; i++) {
            replicas.add(
                    new ControlPlaneProcess(count == 1 ? dir : dir.resolve(replicaId(i)), httpPort + i, grpcPort + i)
                            .withDefaultTimings()
                            .jvmOptions(jvmOptions));
        }
    }

    /** Replica {@code index}'s {@code tide.cluster.replica-id}, and its name in the report. */
    static String replicaId(int index) {
        return "cp-" + (index + 1);
    }

    /**
     * Starts the shared database (with replicas) and the replicas one after another: the first
     * creates the schema and the agent CA that the others then find in the database.
     */
    void start(Duration timeout) throws IOException {
        if (size() > 1) {
            database = SharedDatabase.start(dir, databasePort);
            for (int i = 0; i < size(); i++) {
                replicas.get(i)
                        .environment(database.environment())
                        .environment(
                                Map.of("TIDE_CLUSTER_REPLICA_ID", replicaId(i), "TIDE_ARTIFACTS_STORE", "database"));
            }
        }
        for (ControlPlaneProcess replica : replicas) {
            replica.start(timeout);
        }
    }

    int size() {
        return replicas.size();
    }

    ControlPlaneProcess replica(int index) {
        return replicas.get(index);
    }

    /** The first replica as the admin (with the password). */
    Api admin() {
        return replicas.get(0).admin();
    }

    /** {@code authorized}'s credentials against each replica, in order. */
    List<Api> apis(Api authorized) {
        return replicas.stream().map(r -> authorized.at(r.base())).toList();
    }

    /** Where the agents connect: agent i to the i-th mod N, as a load balancer would spread them. */
    List<String> grpcTargets() {
        return replicas.stream().map(ControlPlaneProcess::grpcTarget).toList();
    }

    /**
     * A probe of every replica's JVM and the database's server; with replicas, statements are read
     * from the shared database itself, once for all of them.
     */
    ControlPlaneProbe probe(Api authorized) {
        List<Api> apis = apis(authorized);
        List<ControlPlaneProbe.Replica> probed = IntStream.range(0, size())
                .mapToObj(i -> new ControlPlaneProbe.Replica(
                        replicaId(i), apis.get(i), replicas.get(i).jvm()))
                .toList();
        return database == null
                ? new ControlPlaneProbe(probed, replicas.get(0).databaseDir(), null)
                : new ControlPlaneProbe(probed, database.dataDir(), database::statements);
    }

    /**
     * The replica with the most agents on {@code metric} (push sessions, parked watches); the first
     * on a tie. Killing it takes part of the fleet down with it.
     */
    int busiest(List<Api> apis, String metric) {
        int busiest = 0;
        double most = -1;
        for (int i = 0; i < apis.size(); i++) {
            double held = apis.get(i).metrics().getOrDefault(metric, 0.0);
            if (held > most) {
                most = held;
                busiest = i;
            }
        }
        return busiest;
    }

    /** Fails naming every replica whose process is gone. */
    void requireRunning() {
        List<String> gone = IntStream.range(0, size())
                .filter(i -> replicas.get(i).process() == null
                        || !replicas.get(i).process().isAlive())
                .mapToObj(ControlPlanes::replicaId)
                .toList();
        if (!gone.isEmpty()) {
            throw new IllegalStateException("replica(s) " + String.join(", ", gone) + " exited");
        }
    }

    /** Values per replica for a note, e.g. "cp-1 1.2 s + cp-2 0.9 s". */
    static String perReplica(List<Double> values, String format) {
        return IntStream.range(0, values.size())
                .mapToObj(i -> replicaId(i) + " " + String.format(format, values.get(i)))
                .collect(Collectors.joining(" + "));
    }

    @Override
    public void close() throws IOException {
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or ran
        }
        stopAll();
    }

    private void stopAll() throws IOException {
        replicas.stream()
                .map(ControlPlaneProcess::process)
                .filter(p -> p != null && p.isAlive())
                .forEach(Process::destroy); // all shut down at once, then each is waited for
        replicas.forEach(ControlPlaneProcess::close);
        if (database != null) {
            database.close();
        }
    }
}
