package dev.tide.controlplane.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.forwardedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.security.Role;
import jakarta.servlet.http.Cookie;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockMultipartFile;

/**
 * A console session follows its user: signed in through the real login form, the session loses
 * ADMIN pages and actions as soon as the user is demoted through the API, and ends when the user
 * is disabled. The session is the cookie alone, as for a browser: its state is in the database, so
 * what it carries must survive being stored, and a cookie that finds nothing readable there is
 * simply signed out.
 */
class ConsoleSessionTests extends IntegrationTest {

    @Test
    void aDemotedUsersSessionLosesTheRoleAndADisabledUsersSessionEnds() throws Exception {
        Caller caller = newCaller(Role.ADMIN);
        Cookie session = signIn(caller);
        mvc.perform(get("/users").cookie(session)).andExpect(status().isOk());

        as(admin())
                .patch("/api/v1/users/{name}", Map.of("role", "VIEWER"), caller.name())
                .expect(200);

        mvc.perform(get("/users").cookie(session))
                .andExpect(status().isForbidden())
                .andExpect(forwardedUrl("/denied"));
        String environment = unique("env");
        mvc.perform(post("/environments")
                        .param("name", environment)
                        .cookie(session)
                        .with(csrf()))
                .andExpect(status().isForbidden());
        assertThat(count("select count(*) from environment where name = ?", environment))
                .isZero();
        String dashboard = mvc.perform(get("/").cookie(session))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(dashboard).doesNotContain("href=\"/users\"");

        as(admin())
                .patch("/api/v1/users/{name}", Map.of("enabled", false), caller.name())
                .expect(200);

        mvc.perform(get("/").cookie(session)).andExpect(status().isFound()).andExpect(redirectedUrl("/login?ended"));
        assertThat(count("select count(*) from spring_session where principal_name = ?", caller.name()))
                .as("the ended session is deleted")
                .isZero();
        mvc.perform(get("/").cookie(session)).andExpect(status().isFound()).andExpect(redirectedUrl("/login"));
    }

    @Test
    void aPromotedUsersSessionGainsTheRoleWithoutSigningInAgain() throws Exception {
        Caller caller = newCaller(Role.VIEWER);
        Cookie session = signIn(caller);
        mvc.perform(get("/users").cookie(session)).andExpect(status().isForbidden());

        as(admin())
                .patch("/api/v1/users/{name}", Map.of("role", "ADMIN"), caller.name())
                .expect(200);

        mvc.perform(get("/users").cookie(session)).andExpect(status().isOk());
    }

    @Test
    void anUploadedArtifactIsShownAfterTheRedirectThroughTheStoredSession() throws Exception {
        Cookie session = signIn(newCaller(Role.DEPLOYER));
        byte[] bytes = randomBytes(48);

        String page = uploadAndFollow(session, bytes, null);

        assertThat(page).contains("Uploaded", "app.tar.gz", sha256(bytes), "<span>48</span> bytes");

        // Uploaded from an application's page: back there, its release form holds the sha256.
        String app = createApplication();
        byte[] more = randomBytes(64);
        assertThat(uploadAndFollow(session, more, app))
                .containsPattern("id=\"artifactSha256\"[^>]*value=\"" + sha256(more) + "\"");
    }

    /** Uploads {@code bytes} from the console (from {@code app}'s page if not null) and opens the page it goes back to. */
    private String uploadAndFollow(Cookie session, byte[] bytes, String app) throws Exception {
        var upload = multipart("/artifacts")
                .file(new MockMultipartFile("file", "app.tar.gz", "application/gzip", bytes))
                .cookie(session)
                .with(csrf());
        if (app != null) {
            upload.param("application", app);
        }
        String back = mvc.perform(upload)
                .andExpect(status().isFound())
                .andReturn()
                .getResponse()
                .getRedirectedUrl();
        return mvc.perform(get(back).cookie(session))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
    }

    @Test
    void aDamagedOrForgedSessionCookieIsSentToTheLoginPage() throws Exception {
        Caller caller = newCaller(Role.VIEWER);
        Cookie session = signIn(caller);
        jdbc.update(
                "update spring_session_attributes set attribute_bytes = '\\xdeadbeef'::bytea"
                        + " where session_primary_id = (select primary_id from spring_session where principal_name = ?)",
                caller.name());

        mvc.perform(get("/").cookie(session)).andExpect(status().isFound()).andExpect(redirectedUrl("/login"));
        for (String forged : List.of("AA==", "bm90LWEtc2Vzc2lvbg==", "%%%", "x".repeat(4000))) {
            mvc.perform(get("/").cookie(new Cookie("SESSION", forged)))
                    .andExpect(status().isFound())
                    .andExpect(redirectedUrl("/login"));
        }
    }

    /** Signs in through the form; answers the session cookie, which is all a browser keeps. */
    private Cookie signIn(Caller caller) throws Exception {
        Cookie session = mvc.perform(post("/login")
                        .with(csrf())
                        .param("username", caller.name())
                        .param("password", caller.password()))
                .andExpect(status().isFound())
                .andExpect(redirectedUrl("/"))
                .andReturn()
                .getResponse()
                .getCookie("SESSION");
        assertThat(session).isNotNull();
        return session;
    }
}
