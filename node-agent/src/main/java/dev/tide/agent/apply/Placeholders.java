package dev.tide.agent.apply;

import dev.tide.agent.state.NodeContext;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves {@code ${node.name}}, {@code ${node.label.KEY}} and {@code ${environment.name}}. Other
 * {@code ${...}} text (a shell or logback variable in a config file) is left alone; an unknown
 * name inside the {@code node.} or {@code environment.} namespaces fails with its name.
 */
public final class Placeholders {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{((?:node|environment)\\.[^}]*)}");

    private final NodeContext node;

    public Placeholders(NodeContext node) {
        this.node = node;
    }

    /** Resolves the text; {@code where} names the field in the error ("env PORT"). */
    public String resolve(String text, String where) throws ApplyException {
        if (text == null || !text.contains("${")) {
            return text;
        }
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(value(m.group(1), where)));
        }
        m.appendTail(out);
        return out.toString();
    }

    private String value(String name, String where) throws ApplyException {
        String value = null;
        if (name.equals("node.name")) {
            value = node.name().isEmpty() ? null : node.name();
        } else if (name.equals("environment.name")) {
            value = node.environment().isEmpty() ? null : node.environment();
        } else if (name.startsWith("node.label.")) {
            value = node.labels().get(name.substring("node.label.".length()));
        }
        if (value == null) {
            throw new ApplyException("unresolvable placeholder ${" + name + "} in " + where
                    + (name.startsWith("node.label.") ? " (the node has no such label)" : ""));
        }
        return value;
    }
}
