package dev.tide.agent.state;

import dev.tide.proto.agent.v1.Schedule;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the agent applied, as recorded on disk so that a restart or a duplicate command changes
 * nothing.
 *
 * @param appliedGeneration the newest generation finished applying (successfully or not)
 * @param schedule the delivery mode and poll schedule last received
 * @param node the node values from the last desired state, for placeholders
 * @param apps per application
 * @param leaseEpoch the highest push lease epoch accepted from a control-plane replica: a session
 *     or command from a lower one is refused (0 until a control plane with leases connects)
 */
public record AgentState(
        long appliedGeneration, Schedule schedule, NodeContext node, Map<String, AppRecord> apps, long leaseEpoch) {

    public static final AgentState EMPTY = new AgentState(0, null, null, Map.of(), 0);

    public AgentState {
        apps = Collections.unmodifiableMap(new TreeMap<>(apps == null ? Map.of() : apps));
    }

    public AgentState(long appliedGeneration, Schedule schedule, NodeContext node, Map<String, AppRecord> apps) {
        this(appliedGeneration, schedule, node, apps, 0);
    }

    /** Raises the lease epoch to {@code epoch}; never lowers it. */
    public AgentState withLeaseEpoch(long epoch) {
        return epoch <= leaseEpoch ? this : new AgentState(appliedGeneration, schedule, node, apps, epoch);
    }

    public AgentState withAppliedGeneration(long generation) {
        return new AgentState(generation, schedule, node, apps, leaseEpoch);
    }

    public AgentState withSchedule(Schedule newSchedule) {
        return new AgentState(appliedGeneration, newSchedule, node, apps, leaseEpoch);
    }

    public AgentState withNode(NodeContext newNode) {
        return new AgentState(appliedGeneration, schedule, newNode, apps, leaseEpoch);
    }

    /** Replaces one application's record; {@code null} removes it. */
    public AgentState withApp(String app, AppRecord record) {
        Map<String, AppRecord> copy = new TreeMap<>(apps);
        if (record == null) {
            copy.remove(app);
        } else {
            copy.put(app, record);
        }
        return new AgentState(appliedGeneration, schedule, node, copy, leaseEpoch);
    }
}
