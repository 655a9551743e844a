package dev.tide.controlplane.environment;

import dev.tide.controlplane.system.InvalidInputException;
import java.util.ArrayList;
import java.util.List;

/** The settable part of an environment, validated as a whole. */
public record EnvironmentSettings(
        String description,
        DeliveryMode mode,
        int pullIntervalSeconds,
        int pullJitterSeconds,
        boolean watch,
        int pushMaxParallel) {

    public static final EnvironmentSettings DEFAULTS = new EnvironmentSettings("", DeliveryMode.PULL, 30, 5, false, 50);

    /** Throws naming every field that is out of range. */
    void validate() {
        List<InvalidInputException.FieldError> errors = new ArrayList<>();
        if (description == null || description.length() > 500) {
            errors.add(new InvalidInputException.FieldError("description", "must be at most 500 characters"));
        }
        if (mode == null) {
            errors.add(new InvalidInputException.FieldError("mode", "must be PUSH or PULL"));
        }
        if (pullIntervalSeconds < 1 || pullIntervalSeconds > 86_400) {
            errors.add(new InvalidInputException.FieldError("pullIntervalSeconds", "must be between 1 and 86400"));
        }
        if (pullJitterSeconds < 0 || pullJitterSeconds > 86_400) {
            errors.add(new InvalidInputException.FieldError("pullJitterSeconds", "must be between 0 and 86400"));
        }
        if (pushMaxParallel < 1 || pushMaxParallel > 100_000) {
            errors.add(new InvalidInputException.FieldError("pushMaxParallel", "must be between 1 and 100000"));
        }
        if (!errors.isEmpty()) {
            throw InvalidInputException.fields(errors);
        }
    }
}
