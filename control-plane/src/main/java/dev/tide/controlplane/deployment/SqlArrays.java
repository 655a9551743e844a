package dev.tide.controlplane.deployment;

import java.util.Collection;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * PostgreSQL array literals ({@code {a,b,c}}) for native queries that take a whole set as one
 * parameter ({@code = any(cast(:p as uuid[]))}): one bind value and one statement text whatever
 * the set's size. Only for values that need no quoting: UUIDs and enum constant names.
 */
final class SqlArrays {
    private SqlArrays() {}

    static String uuids(Collection<UUID> values) {
        return values.stream().map(UUID::toString).collect(Collectors.joining(",", "{", "}"));
    }

    static String names(Collection<? extends Enum<?>> values) {
        return values.stream().map(Enum::name).collect(Collectors.joining(",", "{", "}"));
    }
}
