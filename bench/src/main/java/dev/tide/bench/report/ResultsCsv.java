package dev.tide.bench.report;

import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bench's results as CSV files: {@code runs.csv} ({@link RunResult}) and {@code floor.csv} ({@link
 * FloorResult}). One flat row per result; the columns are the record components in snake case, a {@link
 * Percentiles} component flattened into three ({@code delivered_p50, delivered_p99, delivered_max}). Deriving
 * the columns from the records keeps the files and the records from drifting apart. "Not measured" is an
 * empty cell for decimals and -1 for counts. Reading goes by column name, so a file written before a
 * column was added still reads (the missing column reads as not measured).
 */
public final class ResultsCsv {
    private ResultsCsv() {}

    /** Appends one run, writing the header first when the file is new or empty. */
    public static void append(Path csv, RunResult run) throws IOException {
        appendRow(csv, run);
    }

    /** Appends one floor measurement, writing the header first when the file is new or empty. */
    public static void append(Path csv, FloorResult floor) throws IOException {
        appendRow(csv, floor);
    }

    /** Every run in the file, in file order; empty when the file does not exist. */
    public static List<RunResult> readAll(Path csv) throws IOException {
        return read(csv, RunResult.class);
    }

    /** Every floor measurement in the file, in file order; empty when the file does not exist. */
    public static List<FloorResult> readFloors(Path csv) throws IOException {
        return read(csv, FloorResult.class);
    }

    /** Replaces the file's runs with {@code runs} (a resumed bench drops the runs it will retry). */
    public static void rewrite(Path csv, List<RunResult> runs) throws IOException {
        writeAll(csv, RunResult.class, runs);
    }

    /** Writes a whole file (header and rows), replacing any previous content. */
    static <R extends Record> void writeAll(Path csv, Class<R> type, List<R> rows) throws IOException {
        StringBuilder text = new StringBuilder(Csv.line(header(type)));
        rows.forEach(row -> text.append(Csv.line(cells(row))));
        Files.writeString(csv, text, StandardCharsets.UTF_8);
    }

    private static void appendRow(Path csv, Record row) throws IOException {
        List<String> header = header(row.getClass());
        boolean fresh = !Files.exists(csv) || Files.size(csv) == 0;
        if (!fresh) {
            List<List<String>> existing = Csv.parse(firstLine(csv));
            if (existing.isEmpty() || !existing.get(0).equals(header)) {
                throw new IllegalStateException(
                        csv + " has other columns than " + row.getClass().getSimpleName() + " ("
                                + String.join(",", header) + "); move it away to start a new file");
            }
        }
        String text = (fresh ? Csv.line(header) : "") + Csv.line(cells(row));
        // One write per row: a crash leaves whole rows behind.
        Files.writeString(csv, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static String firstLine(Path csv) throws IOException {
        try (var lines = Files.lines(csv, StandardCharsets.UTF_8)) {
            return lines.findFirst().orElse("");
        }
    }

    private static <R extends Record> List<R> read(Path csv, Class<R> type) throws IOException {
        if (!Files.exists(csv)) {
            return List.of();
        }
        List<List<String>> records = Csv.parse(Files.readString(csv, StandardCharsets.UTF_8));
        if (records.isEmpty()) {
            return List.of();
        }
        List<String> header = records.get(0);
        List<R> rows = new ArrayList<>();
        for (int line = 1; line < records.size(); line++) {
            Map<String, String> byName = new HashMap<>();
            List<String> record = records.get(line);
            for (int i = 0; i < header.size() && i < record.size(); i++) {
                byName.put(header.get(i), record.get(i));
            }
            try {
                rows.add(construct(type, byName));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(csv + ": row " + line + " does not read: " + e.getMessage(), e);
            }
        }
        return rows;
    }

    static List<String> header(Class<?> type) {
        List<String> names = new ArrayList<>();
        for (RecordComponent component : type.getRecordComponents()) {
            String name = snakeCase(component.getName());
            if (component.getType() == Percentiles.class) {
                names.addAll(List.of(name + "_p50", name + "_p99", name + "_max"));
            } else {
                names.add(name);
            }
        }
        return names;
    }

    private static List<String> cells(Record row) {
        List<String> cells = new ArrayList<>();
        for (RecordComponent component : row.getClass().getRecordComponents()) {
            Object value = get(component, row);
            if (value instanceof Percentiles p) {
                cells.addAll(List.of(decimal(p.p50()), decimal(p.p99()), decimal(p.max())));
            } else if (value instanceof Double d) {
                cells.add(decimal(d));
            } else {
                cells.add(String.valueOf(value));
            }
        }
        return cells;
    }

    private static <R extends Record> R construct(Class<R> type, Map<String, String> byName) {
        RecordComponent[] components = type.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] args = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            String name = snakeCase(components[i].getName());
            types[i] = components[i].getType();
            args[i] = parse(types[i], name, byName);
        }
        try {
            return type.getDeclaredConstructor(types).newInstance(args);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot construct " + type.getSimpleName(), e);
        }
    }

    private static Object parse(Class<?> type, String name, Map<String, String> byName) {
        String cell = byName.getOrDefault(name, "").strip();
        if (type == Percentiles.class) {
            return new Percentiles(
                    parseDecimal(byName.getOrDefault(name + "_p50", "")),
                    parseDecimal(byName.getOrDefault(name + "_p99", "")),
                    parseDecimal(byName.getOrDefault(name + "_max", "")));
        } else if (type == double.class) {
            return parseDecimal(cell);
        } else if (type == int.class) {
            return cell.isEmpty() ? -1 : Integer.parseInt(cell);
        } else if (type == long.class) {
            return cell.isEmpty() ? -1L : Long.parseLong(cell);
        } else if (type == boolean.class) {
            return Boolean.parseBoolean(cell);
        } else if (type == String.class) {
            return byName.getOrDefault(name, "");
        }
        throw new IllegalStateException("no CSV form for " + type);
    }

    /** Plain decimal notation that reads back to the same double; NaN as an empty cell. */
    private static String decimal(double value) {
        if (Double.isNaN(value)) {
            return "";
        }
        if (Double.isInfinite(value)) {
            return Double.toString(value);
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private static double parseDecimal(String cell) {
        String trimmed = cell.strip();
        return trimmed.isEmpty() || trimmed.equals("NaN") ? Double.NaN : Double.parseDouble(trimmed);
    }

    private static Object get(RecordComponent component, Record row) {
        try {
            return component.getAccessor().invoke(row);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read " + component.getName(), e);
        }
    }

    static String snakeCase(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    }
}
