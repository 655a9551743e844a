package dev.tide.agent.tool;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The sign tool's arguments: {@code --name value} options, {@code --flag}s and positional values. */
record Options(Map<String, String> values, Set<String> flags, List<String> positional) {
    private static final Set<String> FLAGS = Set.of("--require");

    static Options parse(List<String> args) throws SignTool.UsageError {
        Map<String, String> values = new LinkedHashMap<>();
        Set<String> flags = new HashSet<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (FLAGS.contains(a)) {
                flags.add(a);
            } else if (a.startsWith("--")) {
                if (i + 1 >= args.size()) {
                    throw new SignTool.UsageError(a + ": needs a value");
                }
                values.put(a, args.get(++i));
            } else {
                positional.add(a);
            }
        }
        return new Options(values, flags, positional);
    }

    String required(String name) throws SignTool.UsageError {
        String v = values.get(name);
        if (v == null || v.isBlank()) {
            throw new SignTool.UsageError(name + ": required");
        }
        return v;
    }

    String single(String what) throws SignTool.UsageError {
        if (positional.size() != 1) {
            throw new SignTool.UsageError("expected one " + what + ", got " + positional.size());
        }
        return positional.get(0);
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    List<String> list(String name) {
        String v = values.get(name);
        return v == null || v.isBlank()
                ? List.of()
                : Arrays.stream(v.split(",")).map(String::trim).toList();
    }

    long number(String name) throws SignTool.UsageError {
        try {
            return Long.parseLong(required(name));
        } catch (NumberFormatException e) {
            throw new SignTool.UsageError(name + ": must be a whole number");
        }
    }

    Instant instant(String name, Instant otherwise) throws SignTool.UsageError {
        String v = values.get(name);
        try {
            return v == null ? otherwise : Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw new SignTool.UsageError(name + ": must be an instant such as 2026-12-01T06:00:00Z");
        }
    }
}
