package dev.tide.controlplane.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.forwardedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.security.Role;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockHttpSession;

/**
 * A console session follows its user: signed in through the real login form, the session loses
 * ADMIN pages and actions as soon as the user is demoted through the API, and ends when the user
 * is disabled.
 */
class ConsoleSessionTests extends IntegrationTest {

    @Test
    void aDemotedUsersSessionLosesTheRoleAndADisabledUsersSessionEnds() throws Exception {
        Caller caller = newCaller(Role.ADMIN);
        MockHttpSession session = signIn(caller);
        mvc.perform(get("/users").session(session)).andExpect(status().isOk());

        as(admin())
                .patch("/api/v1/users/{name}", Map.of("role", "VIEWER"), caller.name())
                .expect(200);

        mvc.perform(get("/users").session(session))
                .andExpect(status().isForbidden())
                .andExpect(forwardedUrl("/denied"));
        String environment = unique("env");
        mvc.perform(post("/environments")
                        .param("name", environment)
                        .session(session)
                        .with(csrf()))
                .andExpect(status().isForbidden());
        assertThat(count("select count(*) from environment where name = ?", environment))
                .isZero();
        String dashboard = mvc.perform(get("/").session(session))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(dashboard).doesNotContain("href=\"/users\"");

        as(admin())
                .patch("/api/v1/users/{name}", Map.of("enabled", false), caller.name())
                .expect(200);

        mvc.perform(get("/").session(session)).andExpect(status().isFound()).andExpect(redirectedUrl("/login?ended"));
        assertThat(session.isInvalid()).isTrue();
        mvc.perform(get("/").session(session)).andExpect(status().isFound()).andExpect(redirectedUrl("/login"));
    }

    @Test
    void aPromotedUsersSessionGainsTheRoleWithoutSigningInAgain() throws Exception {
        Caller caller = newCaller(Role.VIEWER);
        MockHttpSession session = signIn(caller);
        mvc.perform(get("/users").session(session)).andExpect(status().isForbidden());

        as(admin())
                .patch("/api/v1/users/{name}", Map.of("role", "ADMIN"), caller.name())
                .expect(200);

        mvc.perform(get("/users").session(session)).andExpect(status().isOk());
    }

    private MockHttpSession signIn(Caller caller) throws Exception {
        MockHttpSession session = (MockHttpSession) mvc.perform(post("/login")
                        .with(csrf())
                        .param("username", caller.name())
                        .param("password", caller.password()))
                .andExpect(status().isFound())
                .andExpect(redirectedUrl("/"))
                .andReturn()
                .getRequest()
                .getSession(false);
        assertThat(session).isNotNull();
        return session;
    }
}
