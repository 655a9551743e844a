package dev.tide.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** One answer of the REST API, with the assertions every test makes on status and problem documents. */
public record ApiResponse(int status, String contentType, String body, Map<String, String> headers) {
    static final String PROBLEM_JSON = "application/problem+json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public JsonNode json() {
        return JSON.readTree(body);
    }

    /** The string at a JSON pointer such as {@code /errors/0/field}; null when absent or null. */
    public String text(String pointer) {
        JsonNode node = json().at(pointer);
        return node.isMissingNode() || node.isNull() ? null : node.asString();
    }

    /** The {@code field} of each entry of a problem document's {@code errors}. */
    public List<String> errorFields() {
        List<String> fields = new ArrayList<>();
        json().path("errors").forEach(e -> fields.add(e.path("field").asString()));
        return fields;
    }

    public String header(String name) {
        return headers.get(name.toLowerCase());
    }

    /** Asserts the status, showing the body when it differs. */
    public ApiResponse expect(int expected) {
        assertThat(status).as("status of response %s", body).isEqualTo(expected);
        return this;
    }

    /**
     * Asserts an RFC 9457 problem document with this status; when fields are given, its {@code
     * errors} name exactly those fields.
     */
    public ApiResponse expectProblem(int expected, String... fields) {
        expect(expected);
        assertThat(contentType).as("content type of %s", body).startsWith(PROBLEM_JSON);
        JsonNode problem = json();
        assertThat(problem.path("status").asInt()).isEqualTo(expected);
        assertThat(problem.path("title").asString()).isNotBlank();
        assertThat(body).doesNotContain("Exception", "\tat ");
        if (fields.length > 0) {
            assertThat(errorFields()).as("errors of %s", body).containsExactlyInAnyOrder(fields);
        }
        return this;
    }
}
