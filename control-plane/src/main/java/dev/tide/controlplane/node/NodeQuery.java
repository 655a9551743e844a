package dev.tide.controlplane.node;

import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.Paging;
import dev.tide.proto.agent.v1.AppState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which nodes to list, and which page of them: every filter is optional and they combine with
 * "and". {@code state} matches a node with at least one application in that reported state;
 * {@code name} matches a part of the name, ignoring case.
 */
public record NodeQuery(
        String environment, Boolean online, Boolean converged, String state, String name, int page, int size) {
    public static final int DEFAULT_SIZE = 100;
    public static final int MAX_SIZE = 1000;

    /** The states an agent reports for an application (the protocol's AppState). */
    public static final Set<String> STATES = new TreeSet<>(Arrays.stream(AppState.values())
            .filter(s -> s != AppState.UNRECOGNIZED && s != AppState.APP_STATE_UNSPECIFIED)
            .map(Enum::name)
            .toList());

    /** Checks every parameter, naming each wrong one; {@code state} is taken in any case. */
    public NodeQuery {
        List<InvalidInputException.FieldError> errors = new ArrayList<>(Paging.problems(page, size, MAX_SIZE));
        if (state != null) {
            state = state.trim().toUpperCase(Locale.ROOT);
            if (state.isEmpty()) {
                state = null;
            } else if (!STATES.contains(state)) {
                errors.add(new InvalidInputException.FieldError("state", "must be one of " + STATES));
            }
        }
        if (name != null) {
            name = name.trim();
            if (name.isEmpty()) {
                name = null;
            } else if (name.length() > 63) {
                errors.add(new InvalidInputException.FieldError("name", "must be at most 63 characters"));
            }
        }
        if (environment != null && environment.isBlank()) {
            environment = null;
        }
        if (!errors.isEmpty()) {
            throw InvalidInputException.fields(errors);
        }
    }

    /** Whether anything narrows the list beyond the environment. */
    public boolean filtered() {
        return online != null || converged != null || state != null || name != null;
    }
}
