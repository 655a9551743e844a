package dev.tide.controlplane.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.forwardedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.node.Node;
import dev.tide.controlplane.security.UserService;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

/**
 * The console's access rules through the real filter chain: anonymous users are sent to the
 * login form, a VIEWER reads every page but is offered no mutating control and is refused every
 * mutating POST, a DEPLOYER deploys but does not administer, an ADMIN does both; forms need their
 * CSRF token, and a rejected value is shown next to its field.
 */
class ConsoleAccessTests extends IntegrationTest {
    @Autowired
    private UserService users;

    private String env;
    private String app;
    private String deployment;

    @BeforeEach
    void world() {
        env = createEnvironment("PULL");
        app = createApplication();
        createRelease(app, "1.0.0");
        Node web = insertNode(env, "web-1", Map.of("role", "web"));
        jdbc.update(
                "insert into node_actual (node, application, release_version, state, applied_generation, reported_at,"
                        + " running_version, last_event, last_event_at, last_event_message)"
                        + " values (?, ?, '2.0.0', 'FAILED', 0, now(), '1.0.0', 'RESTARTED', now(), 'process restarted')",
                web.getId(),
                app);
        deployment = as(admin())
                .post(
                        "/api/v1/deployments",
                        Map.of("environment", env, "releases", List.of(Map.of("application", app, "version", "1.0.0"))))
                .expect(201)
                .text("/id");
    }

    private RequestPostProcessor signedIn(Caller caller) {
        return user(users.loadUserByUsername(caller.name()));
    }

    private String page(Caller caller, String uri) throws Exception {
        return mvc.perform(get(uri).with(signedIn(caller)))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
    }

    private List<String> pages() {
        return List.of(
                "/",
                "/environments",
                "/environments/" + env,
                "/applications",
                "/applications/" + app,
                "/deployments",
                "/deployments?environment=" + env,
                "/deployments/" + deployment,
                "/compare",
                "/audit",
                "/tokens");
    }

    @Test
    void theEnvironmentPageShowsTheReleaseANodeRunsAndItsLastEvent() throws Exception {
        String html = page(viewer(), "/environments/" + env);

        assertThat(html).contains("(runs 1.0.0)").contains("RESTARTED").contains("title=\"process restarted\"");
    }

    @Test
    void anonymousUsersAreSentToTheLoginForm() throws Exception {
        for (String uri : pages()) {
            mvc.perform(get(uri)).andExpect(status().isFound()).andExpect(redirectedUrl("/login"));
        }
        String login = mvc.perform(get("/login"))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(login).contains("name=\"username\"", "name=\"password\"", "name=\"_csrf\"");
    }

    @Test
    void theLoginFormSignsInWithTheApiUsersAndRefusesWrongPasswords() throws Exception {
        mvc.perform(post("/login")
                        .with(csrf())
                        .param("username", viewer().name())
                        .param("password", viewer().password()))
                .andExpect(status().isFound())
                .andExpect(redirectedUrl("/"));
        mvc.perform(post("/login")
                        .with(csrf())
                        .param("username", viewer().name())
                        .param("password", "wrong-one-1"))
                .andExpect(status().isFound())
                .andExpect(redirectedUrl("/login?error"));
    }

    @Test
    void viewerReadsEveryPageButIsOfferedNoMutatingControl() throws Exception {
        for (String uri : pages()) {
            String html = page(viewer(), uri);
            // The only forms a viewer gets are sign-out, GET filters and their own API tokens.
            assertThat(html)
                    .as(uri)
                    .doesNotContain(
                            "/mode\"",
                            "Switch to",
                            "Save settings",
                            "Create enrollment token",
                            "Create application",
                            "Create release",
                            "action=\"/artifacts\"",
                            "Start deployment",
                            "New deployment",
                            ">Pause<",
                            ">Cancel</button>",
                            "Roll back",
                            "Remove",
                            "Delete environment",
                            "href=\"/users\"");
        }
        for (String adminOrDeployerPage : List.of("/users", "/deployments/new")) {
            mvc.perform(get(adminOrDeployerPage).with(signedIn(viewer())))
                    .andExpect(status().isForbidden())
                    .andExpect(forwardedUrl("/denied"));
        }
        assertThat(page(deployer(), "/deployments/new")).contains("Start deployment");
    }

    @Test
    void viewerIsRefusedEveryMutatingPostAndNothingChanges() throws Exception {
        long auditBefore = count("select count(*) from audit_event where actor = ?", viewer().name());
        List<MockHttpServletRequestBuilder> posts = List.of(
                post("/environments").param("name", unique("env")),
                post("/environments/" + env + "/mode").param("mode", "PUSH"),
                post("/environments/" + env + "/settings").param("pullIntervalSeconds", "5"),
                post("/environments/" + env + "/enrollment-tokens"),
                post("/environments/" + env + "/delete"),
                post("/applications").param("name", unique("app")),
                post("/applications/" + app + "/releases").param("version", "2.0.0"),
                post("/deployments").param("environment", env),
                post("/deployments/" + deployment + "/cancel"),
                post("/deployments/" + deployment + "/rollback"),
                post("/users")
                        .param("name", unique("u"))
                        .param("password", "long-enough-1")
                        .param("role", "ADMIN"));
        for (MockHttpServletRequestBuilder request : posts) {
            // Refused by the filter chain and forwarded to the console's 403 page.
            mvc.perform(request.with(signedIn(viewer())).with(csrf()))
                    .andExpect(status().isForbidden())
                    .andExpect(forwardedUrl("/denied"));
        }
        mvc.perform(multipart("/artifacts")
                        .file(new MockMultipartFile("file", randomBytes(16)))
                        .with(signedIn(viewer()))
                        .with(csrf()))
                .andExpect(status().isForbidden());
        assertThat(count("select count(*) from audit_event where actor = ?", viewer().name()))
                .isEqualTo(auditBefore);
        assertThat(jdbc.queryForObject("select mode from environment where name = ?", String.class, env))
                .isEqualTo("PULL");
    }

    @Test
    void deployerDeploysButDoesNotAdminister() throws Exception {
        String html = page(deployer(), "/environments/" + env);
        assertThat(html).contains("Deploy to this environment").doesNotContain("Switch to", "Save settings");
        assertThat(page(deployer(), "/deployments/" + deployment)).contains(">Cancel</button>");

        mvc.perform(post("/environments/" + env + "/mode")
                        .param("mode", "PUSH")
                        .with(signedIn(deployer()))
                        .with(csrf()))
                .andExpect(status().isForbidden());
        mvc.perform(post("/deployments/" + deployment + "/pause")
                        .with(signedIn(deployer()))
                        .with(csrf()))
                .andExpect(status().isFound())
                .andExpect(redirectedUrl("/deployments/" + deployment));
        assertThat(jdbc.queryForObject("select state from deployment where id = ?::uuid", String.class, deployment))
                .isEqualTo("PAUSED");
        assertLatestAudit(
                "deployment/" + deployment, "deployment.pause", deployer().name());
    }

    @Test
    void adminSwitchesTheModeAfterAConfirmationThatSaysWhatWillHappen() throws Exception {
        String confirm = page(admin(), "/environments/" + env + "?switchTo=PUSH");
        assertThat(confirm).contains("Switch " + env + " to PUSH?", "push listener", "Switch to PUSH");

        mvc.perform(post("/environments/" + env + "/mode")
                        .param("mode", "PUSH")
                        .with(signedIn(admin()))
                        .with(csrf()))
                .andExpect(status().isFound())
                .andExpect(redirectedUrl("/environments/" + env));
        assertThat(jdbc.queryForObject("select mode from environment where name = ?", String.class, env))
                .isEqualTo("PUSH");
        assertLatestAudit("environment/" + env, "environment.mode-switch", admin().name());
    }

    @Test
    void formsNeedTheirCsrfToken() throws Exception {
        mvc.perform(post("/environments/" + env + "/mode").param("mode", "PUSH").with(signedIn(admin())))
                .andExpect(status().isForbidden());
        String name = unique("env");
        mvc.perform(post("/environments").param("name", name).with(signedIn(admin())))
                .andExpect(status().isForbidden());
        assertThat(jdbc.queryForObject("select mode from environment where name = ?", String.class, env))
                .isEqualTo("PULL");
        assertThat(count("select count(*) from environment where name = ?", name))
                .isZero();
    }

    @Test
    void aRejectedValueIsShownNextToItsField() throws Exception {
        String html = mvc.perform(post("/environments")
                        .param("name", unique("env"))
                        .param("mode", "PULL")
                        .param("pullIntervalSeconds", "0")
                        .param("pullJitterSeconds", "5")
                        .param("pushMaxParallel", "50")
                        .with(signedIn(admin()))
                        .with(csrf()))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(html).containsPattern("id=\"pullIntervalSeconds-error\">must be between 1 and 86400<");

        String typo = mvc.perform(post("/environments/" + env + "/settings")
                        .param("pullIntervalSeconds", "soon")
                        .param("pullJitterSeconds", "5")
                        .param("pushMaxParallel", "50")
                        .with(signedIn(admin()))
                        .with(csrf()))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(typo).contains("id=\"pullIntervalSeconds-error\">must be a whole number<");

        String deploy = mvc.perform(post("/deployments")
                        .param("environment", env)
                        .param("releases[" + app + "]", "1.0.0")
                        .param("batchSize", "lots")
                        .with(signedIn(deployer()))
                        .with(csrf()))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(deploy).contains("id=\"batchSize-error\">must be a whole number or a percentage");
    }

    @Test
    void aRejectedEnrollmentTokenValueIsShownAtItsFieldAndNothingIsCreated() throws Exception {
        Map<String, String> badMaxUses = Map.of(
                "0", "must be between 1 and 100000",
                "-3", "must be between 1 and 100000",
                "100001", "must be between 1 and 100000",
                "lots", "must be a whole number",
                "2.5", "must be a whole number");
        for (Map.Entry<String, String> bad : badMaxUses.entrySet()) {
            String html = mvc.perform(post("/environments/" + env + "/enrollment-tokens")
                            .param("ttlMinutes", "30")
                            .param("maxUses", bad.getKey())
                            .param("description", "kept")
                            .with(signedIn(admin()))
                            .with(csrf()))
                    .andExpect(status().isOk())
                    .andReturn()
                    .getResponse()
                    .getContentAsString();
            assertThat(html)
                    .as("maxUses=%s", bad.getKey())
                    .contains("id=\"maxUses-error\">" + bad.getValue() + "<")
                    .contains("aria-describedby=\"maxUses-error\"")
                    .containsPattern("id=\"tokenDescription\" [^>]*value=\"kept\"")
                    .doesNotContain("ttlMinutes-error");
        }
        String ttl = mvc.perform(post("/environments/" + env + "/enrollment-tokens")
                        .param("ttlMinutes", "0")
                        .param("maxUses", "5")
                        .with(signedIn(admin()))
                        .with(csrf()))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(ttl)
                .contains("id=\"ttlMinutes-error\">must be between 1 and 10080<")
                .doesNotContain("maxUses-error");

        assertThat(count("select count(*) from enrollment_token where environment = ?", env))
                .isZero();
    }

    @Test
    void enrollmentAndApiTokensAreShownOnceAfterCreation() throws Exception {
        String before = page(admin(), "/environments/" + env);
        assertThat(before)
                .containsPattern("<input type=\"number\" min=\"1\"[^>]*id=\"maxUses\" name=\"maxUses\" value=\"1\"");

        var created = mvc.perform(post("/environments/" + env + "/enrollment-tokens")
                        .param("ttlMinutes", "30")
                        .param("maxUses", "25")
                        .param("description", "asg web")
                        .with(signedIn(admin()))
                        .with(csrf()))
                .andExpect(status().isOk())
                .andReturn();
        // The secret is in the answer to the form only: not in a flash attribute, which the
        // session (a database row shared by replicas) would carry to the next page.
        assertThat((Map<?, ?>) created.getFlashMap()).isEmpty();
        Object secret = created.getModelAndView().getModel().get("createdToken");
        assertThat(secret).asString().startsWith("tide_enroll_");
        assertThat(created.getResponse().getContentAsString())
                .contains("id=\"new-enroll-token\">" + secret + "<", "up to 25 agents");
        assertThat(jdbc.queryForObject(
                        "select max_uses from enrollment_token where environment = ? and description = 'asg web'",
                        Integer.class,
                        env))
                .isEqualTo(25);
        String after = page(admin(), "/environments/" + env);
        assertThat(after).doesNotContain(secret.toString()).contains("data-uses=\"0/25\"", ">0 / 25<");
        assertThat(page(viewer(), "/environments/" + env)).contains(">0 / 25<").doesNotContain("id=\"maxUses\"");
        String tokenId = jdbc.queryForObject(
                "select id::text from enrollment_token where environment = ? and description = 'asg web'",
                String.class,
                env);
        mvc.perform(post("/environments/" + env + "/enrollment-tokens/" + tokenId + "/revoke")
                        .with(signedIn(admin()))
                        .with(csrf()))
                .andExpect(status().isFound());
        assertThat(page(admin(), "/environments/" + env)).contains(">REVOKED<", ">0 / 25<");

        var token = mvc.perform(post("/tokens")
                        .param("name", "ci")
                        .with(signedIn(viewer()))
                        .with(csrf()))
                .andExpect(status().isOk())
                .andReturn();
        assertThat((Map<?, ?>) token.getFlashMap()).isEmpty();
        Object apiSecret = token.getModelAndView().getModel().get("createdToken");
        assertThat(apiSecret).asString().startsWith("tide_api_");
        assertThat(token.getResponse().getContentAsString()).contains("id=\"new-api-token\">" + apiSecret + "<");
        assertThat(page(viewer(), "/tokens")).doesNotContain(apiSecret.toString());
    }

    @Test
    void theAccessDeniedPageSaysWhyInWords() throws Exception {
        String html = mvc.perform(get("/denied").with(signedIn(viewer())))
                .andExpect(status().isForbidden())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(html).contains("Not allowed", "Your role does not allow this", "class=\"topbar\"");
    }

    @Test
    void errorsArePagesInTheLayoutAndTheApiKeepsProblemDocuments() throws Exception {
        String missing = mvc.perform(get("/environments/no-such-env").with(signedIn(viewer())))
                .andExpect(status().isNotFound())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(missing).contains("Not found", "no-such-env", "does not exist", "class=\"topbar\"");

        String unknown = mvc.perform(get("/no/such/page").with(signedIn(viewer())))
                .andExpect(status().isNotFound())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(unknown).contains("Page not found", "class=\"topbar\"");

        mvc.perform(get("/api/v1/no-such-thing").header("Authorization", "Bearer " + viewer().token()))
                .andExpect(status().isNotFound())
                .andExpect(header().string("Content-Type", "application/problem+json"));
    }
}
