package dev.tide.cli.output;

import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes what a command answers in the format asked for with {@code -o}: {@code table} for people
 * (aligned columns, or {@code key: value} lines for one object), {@code json} for scripts (the API's
 * own JSON, indented).
 */
public final class Printer {
    /** The {@code -o} values. */
    public enum Format {
        table,
        json
    }

    private static final JsonMapper PRETTY =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private final PrintWriter out;
    private final PrintWriter err;
    private final Format format;
    private final ZoneId zone;

    public Printer(PrintWriter out, PrintWriter err, Format format, ZoneId zone) {
        this.out = out;
        this.err = err;
        this.format = format;
        this.zone = zone;
    }

    public boolean json() {
        return format == Format.json;
    }

    public ZoneId zone() {
        return zone;
    }

    /** A list: as a table, or the JSON array; {@code what} names the rows when there are none. */
    public void list(JsonNode rows, Table table, String what) {
        if (json()) {
            printJson(rows);
            return;
        }
        if (rows == null || rows.isEmpty()) {
            err.println("No " + what + ".");
            return;
        }
        table.render(rows).forEach(out::println);
        out.flush();
    }

    /** One object: the chosen fields as {@code label: value} lines, or the whole JSON. */
    public void object(JsonNode node, Map<String, String> labelToPointer) {
        if (json()) {
            printJson(node);
            return;
        }
        List<String[]> lines = new ArrayList<>();
        labelToPointer.forEach((label, pointer) -> {
            String v = pointer.endsWith("At") ? Values.time(node.at(pointer), zone) : Values.text(node.at(pointer));
            lines.add(new String[] {label, v == null || v.isEmpty() ? "-" : v});
        });
        int width = lines.stream().mapToInt(l -> l[0].length()).max().orElse(0);
        lines.forEach(l -> out.println(l[0] + ":" + " ".repeat(width - l[0].length() + 1) + l[1]));
        out.flush();
    }

    /** A sentence for people; in JSON mode the answer instead (null: nothing). */
    public void done(String message, JsonNode answer) {
        if (json()) {
            if (answer != null && !answer.isMissingNode()) {
                printJson(answer);
            }
            return;
        }
        out.println(message);
        out.flush();
    }

    public void printJson(JsonNode node) {
        out.println(PRETTY.writeValueAsString(node));
        out.flush();
    }

    /** A line for people only: to stdout in table mode, stderr in JSON mode (keeps stdout parseable). */
    public void note(String message) {
        (json() ? err : out).println(message);
        (json() ? err : out).flush();
    }
}
