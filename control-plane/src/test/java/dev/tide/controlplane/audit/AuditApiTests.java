package dev.tide.controlplane.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.security.Role;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code GET /api/v1/audit}: newest first, paged, filtered by actor, action and subject prefix. */
class AuditApiTests extends IntegrationTest {

    @Test
    void eventsOfASubjectAreNewestFirst() {
        String env = createEnvironment("PULL");
        as(admin())
                .patch("/api/v1/environments/{env}", Map.of("mode", "PUSH"), env)
                .expect(200);
        as(admin())
                .patch("/api/v1/environments/{env}", Map.of("watch", true), env)
                .expect(200);

        List<JsonNode> events = auditEvents("environment/" + env);

        assertThat(events)
                .extracting(e -> e.path("action").asString())
                .containsExactly("environment.update", "environment.mode-switch", "environment.create");
        assertThat(events)
                .extracting(e -> Instant.parse(e.path("at").asString()))
                .isSortedAccordingTo((a, b) -> b.compareTo(a));
        assertThat(events).extracting(e -> e.path("id").asLong()).isSortedAccordingTo((a, b) -> Long.compare(b, a));
    }

    @Test
    void unfilteredListIsNewestFirstToo() {
        String env = createEnvironment("PULL");

        JsonNode page = as(admin()).get("/api/v1/audit?size=5").expect(200).json();

        assertThat(page.path("items").path(0).path("subject").asString()).isEqualTo("environment/" + env);
        assertThat(page.path("items").size()).isEqualTo(5);
        assertThat(page.path("totalItems").asLong()).isGreaterThanOrEqualTo(5);
    }

    @Test
    void filtersByActorAndAction() {
        Caller actor = newCaller(Role.ADMIN);
        String env = unique("env");
        as(actor).post("/api/v1/environments", Map.of("name", env)).expect(201);
        String app = unique("app");
        as(actor).post("/api/v1/applications", Map.of("name", app)).expect(201);

        List<JsonNode> byActor = as(viewer())
                .get("/api/v1/audit?actor={actor}", actor.name())
                .expect(200)
                .json()
                .path("items")
                .valueStream()
                .toList();
        List<JsonNode> byActorAndAction = as(viewer())
                .get("/api/v1/audit?actor={actor}&action=application.create", actor.name())
                .expect(200)
                .json()
                .path("items")
                .valueStream()
                .toList();

        assertThat(byActor)
                .extracting(e -> e.path("subject").asString())
                .containsExactly("application/" + app, "environment/" + env);
        assertThat(byActorAndAction).singleElement().satisfies(e -> {
            assertThat(e.path("subject").asString()).isEqualTo("application/" + app);
            assertThat(e.path("actor").asString()).isEqualTo(actor.name());
        });
    }

    @Test
    void subjectIsAPrefixAndLikeWildcardsAreLiteral() {
        String env = createEnvironment("PULL");
        String prefix = env.substring(0, env.length() - 2);

        assertThat(auditEvents("environment/" + prefix))
                .extracting(e -> e.path("subject").asString())
                .contains("environment/" + env);
        assertThat(auditEvents("environment/%")).isEmpty();
        assertThat(auditEvents("environment_" + env)).isEmpty();
    }

    @Test
    void pagesThroughEvents() {
        String env = createEnvironment("PULL");
        for (int interval = 10; interval < 15; interval++) {
            as(admin())
                    .patch("/api/v1/environments/{env}", Map.of("pullIntervalSeconds", interval), env)
                    .expect(200);
        }
        String uri = "/api/v1/audit?subject=environment/" + env + "&size=2&page={page}";

        JsonNode first = as(viewer()).get(uri, 0).expect(200).json();
        JsonNode last = as(viewer()).get(uri, 2).expect(200).json();

        assertThat(first.path("totalItems").asLong()).isEqualTo(6);
        assertThat(first.path("totalPages").asInt()).isEqualTo(3);
        assertThat(first.path("items").size()).isEqualTo(2);
        assertThat(first.path("items")
                        .path(0)
                        .path("details")
                        .path("pullIntervalSeconds")
                        .asInt())
                .isEqualTo(14);
        assertThat(last.path("page").asInt()).isEqualTo(2);
        assertThat(last.path("items").path(1).path("action").asString()).isEqualTo("environment.create");
    }

    @Test
    void invalidPagingIsRefused() {
        as(viewer()).get("/api/v1/audit?size=0").expectProblem(400, "size");
        as(viewer()).get("/api/v1/audit?size=501").expectProblem(400, "size");
        as(viewer()).get("/api/v1/audit?page=-1").expectProblem(400, "page");
        as(viewer()).get("/api/v1/audit?page=first").expectProblem(400, "page");
    }
}
