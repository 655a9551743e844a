package dev.tide.controlplane.system;

import java.util.List;

/**
 * Input that is well-formed but not acceptable, naming each offending field (HTTP 400 or 422,
 * gRPC INVALID_ARGUMENT).
 */
public class InvalidInputException extends RuntimeException {
    /** One offending field; {@code field} is a JSON path such as {@code releases[0].version}. */
    public record FieldError(String field, String message) {}

    private final List<FieldError> errors;
    private final boolean unprocessable;

    private InvalidInputException(List<FieldError> errors, boolean unprocessable) {
        super(errors.stream()
                .map(e -> e.field() + ": " + e.message())
                .reduce((a, b) -> a + "; " + b)
                .orElse("invalid input"));
        this.errors = List.copyOf(errors);
        this.unprocessable = unprocessable;
    }

    /** The value itself is wrong (HTTP 400). */
    public static InvalidInputException field(String field, String message) {
        return new InvalidInputException(List.of(new FieldError(field, message)), false);
    }

    /** Several wrong values at once (HTTP 400). */
    public static InvalidInputException fields(List<FieldError> errors) {
        return new InvalidInputException(errors, false);
    }

    /** The value is well-formed but refers to something that does not exist (HTTP 422). */
    public static InvalidInputException unknownReference(String field, String message) {
        return new InvalidInputException(List.of(new FieldError(field, message)), true);
    }

    public List<FieldError> errors() {
        return errors;
    }

    public boolean unprocessable() {
        return unprocessable;
    }
}
