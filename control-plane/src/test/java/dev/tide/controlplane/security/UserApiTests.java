package dev.tide.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/users}: create, change role, disable, delete; the last admin is protected. */
class UserApiTests extends IntegrationTest {
    @Autowired
    UserService users;

    @Test
    void createsUserWhoCanSignInAndAudits() {
        String name = unique("alice");

        JsonNode user = as(admin())
                .post("/api/v1/users", Map.of("name", name, "password", "correct horse battery", "role", "DEPLOYER"))
                .expect(201)
                .json();

        assertThat(user.path("name").asString()).isEqualTo(name);
        assertThat(user.path("role").asString()).isEqualTo("DEPLOYER");
        assertThat(user.path("enabled").asBoolean()).isTrue();
        assertThat(user.propertyNames()).doesNotContain("password", "passwordHash");
        assertThat(jdbc.queryForObject("select password_hash from app_user where name = ?", String.class, name))
                .startsWith("{bcrypt}")
                .doesNotContain("correct horse battery");
        basic(name, "correct horse battery").get("/api/v1/environments").expect(200);
        JsonNode event = assertLatestAudit("user/" + name, "user.create", admin().name());
        assertThat(event.path("details").path("role").asString()).isEqualTo("DEPLOYER");
    }

    @Test
    void listsAndGetsUsers() {
        Caller viewer = newCaller(Role.VIEWER);

        List<String> names = as(admin())
                .get("/api/v1/users")
                .expect(200)
                .json()
                .valueStream()
                .map(u -> u.path("name").asString())
                .toList();
        JsonNode one = as(admin())
                .get("/api/v1/users/{name}", viewer.name())
                .expect(200)
                .json();

        assertThat(names).contains("admin", viewer.name(), admin().name());
        assertThat(one.path("role").asString()).isEqualTo("VIEWER");
        as(admin()).get("/api/v1/users/{name}", unique("nobody")).expectProblem(404);
    }

    @Test
    void patchChangesRoleAndPassword() {
        Caller caller = newCaller(Role.VIEWER);

        JsonNode patched = as(admin())
                .patch(
                        "/api/v1/users/{name}",
                        Map.of("role", "ADMIN", "password", "a much newer secret"),
                        caller.name())
                .expect(200)
                .json();

        assertThat(patched.path("role").asString()).isEqualTo("ADMIN");
        basic(caller.name(), caller.password()).get("/api/v1/users").expectProblem(401);
        basic(caller.name(), "a much newer secret").get("/api/v1/users").expect(200);
        JsonNode event = assertLatestAudit("user/" + caller.name(), "user.update", admin().name());
        assertThat(event.path("details").path("passwordChanged").asBoolean()).isTrue();
        assertThat(event.path("details").path("role").asString()).isEqualTo("ADMIN");
    }

    @Test
    void deletedUserCanNoLongerSignInAndTheirTokensAreGone() {
        Caller caller = newCaller(Role.DEPLOYER);

        as(admin()).delete("/api/v1/users/{name}", caller.name()).expect(204);

        basic(caller.name(), caller.password()).get("/api/v1/environments").expectProblem(401);
        as(caller).get("/api/v1/environments").expectProblem(401);
        assertThat(count("select count(*) from api_token where owner = ?", caller.name()))
                .isZero();
        assertLatestAudit("user/" + caller.name(), "user.delete", admin().name());
        as(admin()).delete("/api/v1/users/{name}", caller.name()).expectProblem(404);
    }

    @Test
    void weakPasswordIsRefusedAndNothingIsCreated() {
        String name = unique("bob");

        as(admin())
                .post("/api/v1/users", Map.of("name", name, "password", "short", "role", "VIEWER"))
                .expectProblem(400, "password");
        as(admin())
                .post("/api/v1/users", Map.of("name", name, "password", "x".repeat(129), "role", "VIEWER"))
                .expectProblem(400, "password");

        assertThat(count("select count(*) from app_user where name = ?", name)).isZero();
        assertThat(auditEvents("user/" + name)).isEmpty();
    }

    @Test
    void weakPasswordInPatchChangesNothing() {
        Caller caller = newCaller(Role.VIEWER);

        as(admin())
                .patch("/api/v1/users/{name}", Map.of("password", "short", "role", "ADMIN"), caller.name())
                .expectProblem(400, "password");

        assertThat(as(admin())
                        .get("/api/v1/users/{name}", caller.name())
                        .expect(200)
                        .text("/role"))
                .isEqualTo("VIEWER");
        basic(caller.name(), caller.password()).get("/api/v1/environments").expect(200);
    }

    @Test
    void invalidUserRequestsNameTheField() {
        as(admin())
                .post("/api/v1/users", Map.of("name", unique("carol"), "password", "long enough pw"))
                .expectProblem(400, "role");
        as(admin())
                .post("/api/v1/users", Map.of("name", unique("carol"), "password", "long enough pw", "role", "ROOT"))
                .expectProblem(400, "role");
        as(admin())
                .post("/api/v1/users", Map.of("name", "Carol Smith", "password", "long enough pw", "role", "VIEWER"))
                .expectProblem(400, "name");
        as(admin())
                .post("/api/v1/users", Map.of("name", admin().name(), "password", "long enough pw", "role", "VIEWER"))
                .expectProblem(409);
    }

    /**
     * Makes {@code last} the only enabled admin for the duration of the test, then restores the
     * other admins: the shared context has several.
     */
    @Test
    void lastEnabledAdminCannotBeDemotedDisabledOrDeleted() {
        Caller last = newCaller(Role.ADMIN);
        List<String> disabled = new ArrayList<>();
        try {
            for (AppUser user : users.list()) {
                if (user.getRole() == Role.ADMIN
                        && user.isEnabled()
                        && !user.getName().equals(last.name())) {
                    users.update(user.getName(), null, null, false);
                    disabled.add(user.getName());
                }
            }

            ApiResponse demote = as(last).patch("/api/v1/users/{name}", Map.of("role", "VIEWER"), last.name())
                    .expectProblem(409);
            as(last).patch("/api/v1/users/{name}", Map.of("enabled", false), last.name())
                    .expectProblem(409);
            as(last).delete("/api/v1/users/{name}", last.name()).expectProblem(409);

            assertThat(demote.text("/detail")).contains("last enabled admin");
            JsonNode stored = as(last).get("/api/v1/users/{name}", last.name())
                    .expect(200)
                    .json();
            assertThat(stored.path("role").asString()).isEqualTo("ADMIN");
            assertThat(stored.path("enabled").asBoolean()).isTrue();
        } finally {
            disabled.forEach(name -> users.update(name, null, null, true));
        }
        assertLatestAudit("user/" + last.name(), "user.create", "system");
        as(admin())
                .patch("/api/v1/users/{name}", Map.of("role", "VIEWER"), last.name())
                .expect(200);
    }

    @Test
    void onlyAdminsManageUsers() {
        as(deployer())
                .post("/api/v1/users", Map.of("name", unique("eve"), "password", "long enough pw", "role", "ADMIN"))
                .expectProblem(403);
        as(deployer()).get("/api/v1/users").expectProblem(403);
        as(viewer())
                .patch("/api/v1/users/{name}", Map.of("role", "ADMIN"), viewer().name())
                .expectProblem(403);
        as(viewer()).delete("/api/v1/users/{name}", "admin").expectProblem(403);

        assertThat(as(admin())
                        .get("/api/v1/users/{name}", viewer().name())
                        .expect(200)
                        .text("/role"))
                .isEqualTo("VIEWER");
    }
}
