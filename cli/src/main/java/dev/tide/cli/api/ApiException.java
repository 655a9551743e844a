package dev.tide.cli.api;

import dev.tide.cli.CliException;
import dev.tide.cli.ExitCode;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The control plane refused a request: its RFC 9457 problem document as one message, the
 * {@code detail} first and every entry of {@code errors} (field: message) after it.
 */
public final class ApiException extends CliException {
    private final int status;

    private ApiException(int status, String message) {
        super(ExitCode.ERROR, message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** From an error answer: a problem document, else whatever the body says. */
    static ApiException of(String method, String path, int status, String contentType, JsonNode problem, String raw) {
        List<String> lines = new ArrayList<>();
        if (problem != null && problem.isObject()) {
            String title = text(problem, "title");
            String detail = text(problem, "detail");
            String head = (title != null ? title : "HTTP " + status) + " (HTTP " + status + ")";
            JsonNode errors = problem.get("errors");
            if (errors != null && errors.isArray() && !errors.isEmpty()) {
                // The detail joins the same field errors on one line; one a line reads better.
                lines.add(head + ":");
                for (JsonNode e : errors) {
                    lines.add("  " + text(e, "field") + ": " + text(e, "message"));
                }
            } else {
                lines.add(head + (detail != null ? ": " + detail : ""));
            }
        } else {
            String body = raw == null ? "" : raw.strip();
            lines.add("HTTP " + status + " from " + method + " " + path
                    + (body.isEmpty() ? "" : ": " + body.substring(0, Math.min(body.length(), 300)))
                    + (contentType != null && contentType.startsWith("text/html")
                            ? " (is the URL the control plane's?)"
                            : ""));
        }
        if (status == 401) {
            lines.add("Log in again: tide login URL (or pass --token / set TIDE_TOKEN).");
        }
        return new ApiException(status, String.join("\n", lines));
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asString();
    }
}
