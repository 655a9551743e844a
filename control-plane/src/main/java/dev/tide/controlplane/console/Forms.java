package dev.tide.controlplane.console;

import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import java.util.Set;
import java.util.function.Function;
import org.springframework.validation.BindingResult;

/**
 * Puts the services' validation errors next to the form fields they concern. The services name
 * fields as the REST API does ({@code strategy.batchSize}, {@code releases[0]}); each form maps
 * those names to its own inputs, and an error it cannot place is shown above the form.
 */
final class Forms {
    private Forms() {}

    /** Records {@code e} on {@code result}; {@code fieldOf} answers a form field or null. */
    static void reject(BindingResult result, InvalidInputException e, Function<String, String> fieldOf) {
        Set<String> fields = Set.copyOf(fieldNames(result));
        for (InvalidInputException.FieldError error : e.errors()) {
            String field = fieldOf.apply(error.field());
            if (field != null && fields.contains(field)) {
                if (!result.hasFieldErrors(field)) {
                    result.rejectValue(field, "invalid", error.message());
                }
            } else {
                result.reject("invalid", error.field() + " " + error.message());
            }
        }
    }

    /** A conflict (duplicate name, cycle, overlapping deployment) concerns the whole form. */
    static void reject(BindingResult result, ConflictException e) {
        result.reject("conflict", e.getMessage());
    }

    private static java.util.List<String> fieldNames(BindingResult result) {
        Object target = result.getTarget();
        if (target == null) {
            return java.util.List.of();
        }
        return java.util.Arrays.stream(target.getClass().getDeclaredFields())
                .map(java.lang.reflect.Field::getName)
                .toList();
    }
}
