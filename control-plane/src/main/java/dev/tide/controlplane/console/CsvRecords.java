package dev.tide.controlplane.console;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 records as {@code ./tide bench} writes them: a field with commas, quotes or line breaks is quoted,
 * a quote inside it doubled, and a quoted field may span lines. Blank lines are skipped.
 */
final class CsvRecords {
    private CsvRecords() {}

    /** Every record of {@code text}; throws {@link IllegalArgumentException} when a quote is never closed. */
    static List<List<String>> parse(String text) {
        List<List<String>> records = new ArrayList<>();
        List<String> record = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean started = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                started = true;
            } else if (c == ',') {
                record.add(field.toString());
                field.setLength(0);
                started = true;
            } else if (c == '\n' || c == '\r') {
                if (started || field.length() > 0) {
                    record.add(field.toString());
                    records.add(record);
                }
                record = new ArrayList<>();
                field.setLength(0);
                started = false;
            } else {
                field.append(c);
                started = true;
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("the file ends inside a quoted field");
        }
        if (started || field.length() > 0) {
            record.add(field.toString());
            records.add(record);
        }
        return records;
    }
}
