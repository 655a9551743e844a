package dev.tide.bench.report;

/**
 * One mode at one fleet size: everything the bench measured about it. Times are in milliseconds unless the
 * name says seconds. A value that was not measured is {@code Double.NaN} (decimals) or -1 (counts).
 *
 * @param mode delivery mode: "push", "watch" (pull with long-poll) or "interval30" (pull every 30 s with jitter)
 * @param nodes number of simulated agents
 * @param completed false when this mode did not reach this size; {@code failure} then says where and why
 * @param failure where and why the run stopped, verbatim; "" when completed
 * @param enrollSeconds start of enrollment until all agents are enrolled and connected, s
 * @param deploySeconds deployment created until it is SUCCEEDED, s
 * @param delivered per target: desired state written until the agent has it, ms
 * @param applied per target: desired state written until the agent has applied it, ms
 * @param healthy per target: desired state written until the new version reports healthy, ms
 * @param exposureSeconds first target healthy on the new version until the last one: how long the fleet ran mixed versions, s
 * @param gateMillis two-stage deploy (web depends on db): db healthy on the last node until web delivered to the last node, ms
 * @param dependentSeconds two-stage deploy: created until SUCCEEDED, s
 * @param cpuSeconds control-plane CPU time used during the deployment, s
 * @param cpuPercentOfCore {@code cpuSeconds} over the deployment's wall time, in percent of one core
 * @param idleCpuPercentOfCore control-plane CPU while the fleet is connected and idle (polls or sessions only), percent of one core
 * @param heapAfterGcMb control-plane heap used after a full GC, MB
 * @param liveThreads control-plane live threads
 * @param openConnections control-plane sockets open
 * @param rpcsPerSecond agent RPCs per second handled by the control plane during the deployment
 * @param dbStatements database statements executed for the deployment
 * @param wireBytes bytes on the wire between agents and the control plane for the deployment
 * @param reconnectSeconds control plane killed (-9) and restarted: the kill until a deployment made at once is healthy on every node, s
 * @param floorRatio {@code delivered.max} over the floor (push: stream fan-out max; watch and interval30: long-poll max)
 * @param replicas control-plane replicas on one database (1 in files written before the column; with more,
 *     CPU, heap, threads and connections are their sums, and the kill takes down one of them)
 */
public record RunResult(
        String mode,
        int nodes,
        boolean completed,
        String failure,
        double enrollSeconds,
        double deploySeconds,
        Percentiles delivered,
        Percentiles applied,
        Percentiles healthy,
        double exposureSeconds,
        double gateMillis,
        double dependentSeconds,
        double cpuSeconds,
        double cpuPercentOfCore,
        double idleCpuPercentOfCore,
        double heapAfterGcMb,
        int liveThreads,
        int openConnections,
        double rpcsPerSecond,
        long dbStatements,
        long wireBytes,
        double reconnectSeconds,
        double floorRatio,
        int replicas) {

    public RunResult {
        replicas = Math.max(1, replicas);
        failure = failure == null ? "" : failure;
        delivered = delivered == null ? Percentiles.none() : delivered;
        applied = applied == null ? Percentiles.none() : applied;
        healthy = healthy == null ? Percentiles.none() : healthy;
    }
}
