package dev.tide.cli.api;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Server-sent events from the lines of a {@code text/event-stream} (the WHATWG rules the control
 * plane's stream uses): {@code id:}, {@code event:} and {@code data:} fields, several data lines
 * joined with a newline, a blank line dispatching the event, comments (keep-alives) ignored.
 */
public final class SseParser {
    /** One event; {@code id} is null when the event carried none. */
    public record Event(String id, String name, String data) {}

    private final Consumer<Event> sink;
    private String id;
    private String name;
    private final List<String> data = new ArrayList<>();

    public SseParser(Consumer<Event> sink) {
        this.sink = sink;
    }

    public void line(String line) {
        if (line.isEmpty()) {
            if (!data.isEmpty() || name != null) {
                sink.accept(new Event(id, name == null ? "message" : name, String.join("\n", data)));
            }
            id = null;
            name = null;
            data.clear();
            return;
        }
        if (line.startsWith(":")) {
            return;
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "id" -> id = value;
            case "event" -> name = value;
            case "data" -> data.add(value);
            default -> {
                // retry and unknown fields: nothing to do
            }
        }
    }
}
