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
 */
public record AgentState(long appliedGeneration, Schedule schedule, NodeContext node, Map<String, AppRecord> apps) {

    public static final AgentState EMPTY = new AgentState(0, null, null, Map.of());

    public AgentState {
        apps = Collections.unmodifiableMap(new TreeMap<>(apps == null ? Map.of() : apps));
    }

    public AgentState withAppliedGeneration(long generation) {
        return new AgentState(generation, schedule, node, apps);
    }

    public AgentState withSchedule(Schedule newSchedule) {
        return new AgentState(appliedGeneration, newSchedule, node, apps);
    }

    public AgentState withNode(NodeContext newNode) {
        return new AgentState(appliedGeneration, schedule, newNode, apps);
    }

    /** Replaces one application's record; {@code null} removes it. */
    public AgentState withApp(String app, AppRecord record) {
        Map<String, AppRecord> copy = new TreeMap<>(apps);
        if (record == null) {
            copy.remove(app);
        } else {
            copy.put(app, record);
        }
        return new AgentState(appliedGeneration, schedule, node, copy);
    }
}
