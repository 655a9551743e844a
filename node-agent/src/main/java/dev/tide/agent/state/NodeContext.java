package dev.tide.agent.state;

import java.util.Map;
import java.util.TreeMap;

/** The per-node values placeholders resolve against: name, labels, environment. */
public record NodeContext(String name, String environment, Map<String, String> labels) {
    public NodeContext {
        name = name == null ? "" : name;
        environment = environment == null ? "" : environment;
        labels = labels == null ? Map.of() : Map.copyOf(new TreeMap<>(labels));
    }
}
