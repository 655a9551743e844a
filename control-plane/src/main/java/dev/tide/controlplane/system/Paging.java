package dev.tide.controlplane.system;

import java.util.ArrayList;
import java.util.List;

/** The checks every paged list makes of {@code page} and {@code size}, with the same messages. */
public final class Paging {
    private Paging() {}

    /** What is wrong with this page and size, naming each parameter; empty when both are fine. */
    public static List<InvalidInputException.FieldError> problems(int page, int size, int maxSize) {
        List<InvalidInputException.FieldError> errors = new ArrayList<>();
        if (page < 0) {
            errors.add(new InvalidInputException.FieldError("page", "must be 0 or more (the first page is 0)"));
        }
        if (size < 1 || size > maxSize) {
            errors.add(new InvalidInputException.FieldError("size", "must be between 1 and " + maxSize));
        }
        return errors;
    }
}
