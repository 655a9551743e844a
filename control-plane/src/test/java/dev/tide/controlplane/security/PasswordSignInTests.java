package dev.tide.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.tide.controlplane.ApiClient;
import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import tools.jackson.databind.JsonNode;

/**
 * Passwords over HTTP Basic and the login form: wrong ones are throttled per user and per client
 * address (429 with Retry-After, audited), and right ones are not compared with bcrypt on every
 * request, yet a change to the user takes effect on the next one. Each test signs in from its own
 * made-up client address, so that the suite's other failures from 127.0.0.1 do not add up.
 */
class PasswordSignInTests extends IntegrationTest {
    @Autowired
    private LoginProperties login;

    @Test
    void repeatedWrongPasswordsAreThrottledAndEvenTheRightOneWaitsUntilTheLockEnds() {
        Caller caller = newCaller(Role.VIEWER);
        String address = address();
        for (int i = 0; i < login.maxFailures(); i++) {
            basic(address, caller.name(), "wrong-password-" + i).expectProblem(401);
        }

        ApiResponse refused = basic(address, caller.name(), caller.password()).expectProblem(429);

        assertThat(Long.parseLong(refused.header("Retry-After")))
                .isBetween(1L, login.lockout().toSeconds());
        assertThat(refused.text("/type")).endsWith("/too-many-sign-in-failures");
        // The user is locked from every address; an API token is no password and still works.
        basic(address(), caller.name(), caller.password()).expectProblem(429);
        as(caller).get("/api/v1/environments").expect(200);
        JsonNode event = assertLatestAudit("user/" + caller.name(), "login.throttle", "system");
        assertThat(event.path("details").path("failures").asInt()).isEqualTo(login.maxFailures());
        assertThat(event.path("details").path("address").asString()).isEqualTo(address);

        await().atMost(login.lockout().plusSeconds(10))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> basic(address, caller.name(), caller.password()).status() == 200);

        // The success cleared the user's count: one failure short of the limit locks nothing.
        for (int i = 0; i < login.maxFailures() - 1; i++) {
            basic(address, caller.name(), "wrong-again-" + i).expectProblem(401);
        }
        basic(address, caller.name(), caller.password()).expect(200);
    }

    @Test
    void oneAddressGuessingManyUsersIsThrottledAndOtherAddressesAreNot() {
        Caller caller = newCaller(Role.VIEWER);
        String address = address();
        for (int i = 0; i < login.maxFailuresPerAddress(); i++) {
            basic(address, unique("guess"), "guessed-password").expectProblem(401);
        }

        basic(address, caller.name(), caller.password()).expectProblem(429);
        basic(address(), caller.name(), caller.password()).expect(200);
        assertLatestAudit("address/" + address, "login.throttle", "system");
    }

    @Test
    void theLoginFormSaysWhenSigningInIsPaused() throws Exception {
        Caller caller = newCaller(Role.VIEWER);
        String address = address();
        for (int i = 0; i < login.maxFailures(); i++) {
            mvc.perform(post("/login")
                            .with(csrf())
                            .with(from(address))
                            .param("username", caller.name())
                            .param("password", "wrong-password-" + i))
                    .andExpect(redirectedUrl("/login?error"));
        }

        String target = mvc.perform(post("/login")
                        .with(csrf())
                        .with(from(address))
                        .param("username", caller.name())
                        .param("password", caller.password()))
                .andExpect(status().isFound())
                .andReturn()
                .getResponse()
                .getRedirectedUrl();

        assertThat(target).matches("/login\\?throttled=[0-9]+");
        String page = mvc.perform(get(target)).andReturn().getResponse().getContentAsString();
        assertThat(page).contains("Too many failed sign-ins", "even the right password is refused");
    }

    @Test
    void aValidBasicUserIsComparedWithBcryptOnceNotOnEveryRequest() {
        Caller caller = newCaller(Role.VIEWER);
        String address = address();
        double before = passwordChecks();

        for (int i = 0; i < 20; i++) {
            basic(address, caller.name(), caller.password()).expect(200);
        }

        assertThat(passwordChecks() - before).isEqualTo(1.0);
    }

    @Test
    void aChangeToTheUserTakesEffectOnTheNextBasicRequestDespiteTheCache() {
        Caller caller = newCaller(Role.DEPLOYER);
        String address = address();
        String sha = uploadArtifact(randomBytes(32));
        String app = createApplication();
        ApiClient asDeployer = basic(caller.name(), caller.password());
        basic(address, caller.name(), caller.password()).expect(200);

        as(admin())
                .patch("/api/v1/users/{name}", Map.of("role", "VIEWER"), caller.name())
                .expect(200);
        asDeployer
                .post("/api/v1/applications/{app}/releases", releaseBody("1.0.0", sha), app)
                .expectProblem(403);

        as(admin())
                .patch("/api/v1/users/{name}", Map.of("password", "a brand new password"), caller.name())
                .expect(200);
        basic(address, caller.name(), caller.password()).expectProblem(401);
        basic(address, caller.name(), "a brand new password").expect(200);

        as(admin())
                .patch("/api/v1/users/{name}", Map.of("enabled", false), caller.name())
                .expect(200);
        basic(address, caller.name(), "a brand new password").expectProblem(401);
    }

    private double passwordChecks() {
        return as(admin())
                .get("/actuator/metrics/tide.auth.password.checks")
                .expect(200)
                .json()
                .path("measurements")
                .path(0)
                .path("value")
                .asDouble();
    }

    private ApiResponse basic(String address, String user, String password) {
        return anonymous()
                .send(get("/api/v1/environments")
                        .header(HttpHeaders.AUTHORIZATION, ApiClient.basicHeader(user, password))
                        .with(from(address)));
    }

    private static RequestPostProcessor from(String address) {
        return request -> {
            request.setRemoteAddr(address);
            return request;
        };
    }

    /** A made-up client address from the documentation range, different in each call. */
    private static String address() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        return "198.51." + random.nextInt(256) + "." + random.nextInt(1, 255);
    }
}
