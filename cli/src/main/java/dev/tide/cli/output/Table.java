package dev.tide.cli.output;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * Rows of an API answer as aligned columns: a header in capitals, two spaces between columns, the
 * last column not padded (no trailing blanks for {@code grep} and {@code awk}). A missing value
 * is {@code -}.
 */
public final class Table {
    private record Column(String header, Function<JsonNode, String> value) {}

    private final List<Column> columns = new ArrayList<>();

    /** A column showing the field at {@code pointer} (a JSON pointer such as {@code /summary/healthy}). */
    public Table column(String header, String pointer) {
        return column(header, row -> Values.text(row.at(pointer)));
    }

    public Table column(String header, Function<JsonNode, String> value) {
        columns.add(new Column(header, value));
        return this;
    }

    /** The table as lines, header first. */
    public List<String> render(Iterable<JsonNode> rows) {
        List<String[]> cells = new ArrayList<>();
        cells.add(columns.stream().map(Column::header).toArray(String[]::new));
        for (JsonNode row : rows) {
            cells.add(columns.stream()
                    .map(c -> {
                        String v = c.value().apply(row);
                        return v == null || v.isEmpty() ? "-" : v.replace('\n', ' ');
                    })
                    .toArray(String[]::new));
        }
        int[] widths = new int[columns.size()];
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        List<String> out = new ArrayList<>();
        for (String[] line : cells) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                sb.append(line[i]);
                if (i < line.length - 1) {
                    sb.append(" ".repeat(widths[i] - line[i].length() + 2));
                }
            }
            out.add(sb.toString());
        }
        return out;
    }
}
