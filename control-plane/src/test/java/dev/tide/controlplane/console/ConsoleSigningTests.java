package dev.tide.controlplane.console;

import static dev.tide.controlplane.ReleaseSigning.keyId;
import static dev.tide.controlplane.ReleaseSigning.keySet;
import static dev.tide.controlplane.ReleaseSigning.newKey;
import static dev.tide.controlplane.ReleaseSigning.sign;
import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.csrf;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.forwardedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.ReleaseSigning;
import dev.tide.controlplane.security.UserService;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.ResultActions;
import tools.jackson.databind.json.JsonMapper;

/**
 * Signed releases in the console: an admin installs a release key set as {@code ./tide sign keys}
 * printed it, a deployer creates a release from what {@code ./tide sign release} printed, and the
 * pages show which releases carry a verified signature. Bad documents are refused next to the
 * field, with nothing stored.
 */
class ConsoleSigningTests extends IntegrationTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Autowired
    private UserService users;

    private KeyPair alice;
    private String env;
    private String app;
    private String sha;

    @BeforeEach
    void world() {
        alice = newKey();
        env = createEnvironment("PULL");
        app = createApplication();
        sha = uploadArtifact(randomBytes(96));
    }

    private ResultActions postAs(Caller caller, String uri, String document) throws Exception {
        return mvc.perform(post(uri)
                .param("document", document)
                .with(user(users.loadUserByUsername(caller.name())))
                .with(csrf()));
    }

    private String page(Caller caller, String uri) throws Exception {
        return mvc.perform(get(uri).with(user(users.loadUserByUsername(caller.name()))))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
    }

    private static String json(Object body) {
        return JSON.writeValueAsString(body);
    }

    private String installKeys(long version, boolean require, List<KeyPair> keys, KeyPair signer) throws Exception {
        return postAs(
                        admin(),
                        "/environments/" + env + "/release-keys",
                        json(keySet(env, version, require, keys, signer)))
                .andReturn()
                .getResponse()
                .getContentAsString();
    }

    private long storedSets() {
        return count("select count(*) from release_key_set where environment = ?", env);
    }

    @Test
    void anAdminInstallsAKeySetAndThePageShowsIt() throws Exception {
        assertThat(page(admin(), "/environments/" + env)).contains("No release key set", "Install key set");

        postAs(admin(), "/environments/" + env + "/release-keys", json(keySet(env, 1, true, List.of(alice), alice)))
                .andExpect(status().isFound())
                .andExpect(redirectedUrl("/environments/" + env + "#release-keys"));

        assertThat(as(viewer())
                        .get("/api/v1/environments/{env}/release-keys", env)
                        .expect(200)
                        .json()
                        .path("version")
                        .asLong())
                .isEqualTo(1);
        String html = page(viewer(), "/environments/" + env);
        assertThat(html).contains("required", keyId(alice)).doesNotContain("Install key set");
        assertLatestAudit("environment/" + env, "environment.release-keys", admin().name());
    }

    @Test
    void badKeySetsAreRefusedNextToTheFieldAndNothingIsStored() throws Exception {
        assertThat(installKeys(1, true, List.of(alice), alice)).isEmpty(); // a redirect
        KeyPair mallory = newKey();

        // Not JSON at all.
        assertThat(postAs(admin(), "/environments/" + env + "/release-keys", "version=2")
                        .andExpect(status().isOk())
                        .andReturn()
                        .getResponse()
                        .getContentAsString())
                .contains("not the JSON that ./tide sign keys prints", "has-error");
        // Empty.
        assertThat(postAs(admin(), "/environments/" + env + "/release-keys", "  ")
                        .andReturn()
                        .getResponse()
                        .getContentAsString())
                .contains("Paste the JSON that ./tide sign keys printed.");
        // A rotation signed by a key the current set does not trust.
        assertThat(installKeys(2, true, List.of(mallory), mallory))
                .contains("This could not be saved.", keyId(mallory).substring(0, 10));
        // A set that is not newer.
        assertThat(installKeys(1, false, List.of(alice), alice)).contains("This could not be saved.");
        // A tampered signature.
        Map<String, Object> tampered = new LinkedHashMap<>(keySet(env, 2, false, List.of(alice), alice));
        tampered.put("requireSignatures", true);
        assertThat(postAs(admin(), "/environments/" + env + "/release-keys", json(tampered))
                        .andReturn()
                        .getResponse()
                        .getContentAsString())
                .contains("This could not be saved.");
        // Invalid fields are named.
        Map<String, Object> invalid = new LinkedHashMap<>(keySet(env, 2, false, List.of(alice), alice));
        invalid.put("signature", ReleaseSigning.base64(new byte[3]));
        assertThat(postAs(admin(), "/environments/" + env + "/release-keys", json(invalid))
                        .andReturn()
                        .getResponse()
                        .getContentAsString())
                .contains("signature must be the base64 of an Ed25519 signature");

        assertThat(storedSets()).isEqualTo(1);
        assertThat(installKeys(2, false, List.of(alice, mallory), alice)).isEmpty(); // a proper rotation still works
        assertThat(storedSets()).isEqualTo(2);
    }

    @Test
    void onlyAnAdminInstallsKeySets() throws Exception {
        for (Caller caller : List.of(viewer(), deployer())) {
            postAs(caller, "/environments/" + env + "/release-keys", json(keySet(env, 1, true, List.of(alice), alice)))
                    .andExpect(status().isForbidden())
                    .andExpect(forwardedUrl("/denied"));
        }
        assertThat(storedSets()).isZero();
    }

    @Test
    void aDeployerCreatesASignedReleaseAndThePageShowsItVerified() throws Exception {
        assertThat(installKeys(1, false, List.of(alice), alice)).isEmpty();
        Map<String, Object> body = releaseBody("2.0.0", sha);
        body.put("secretEnv", Map.of("DB_PASSWORD", "hunter2-console"));
        body.put("runAs", "web");
        Map<String, Object> signed = sign(body, app, List.of(), alice, ReleaseSigning.now());

        postAs(deployer(), "/applications/" + app + "/releases/signed", json(signed))
                .andExpect(status().isFound())
                .andExpect(redirectedUrl("/applications/" + app));
        createRelease(app, "1.0.0"); // unsigned, through the API

        String html = page(viewer(), "/applications/" + app);
        assertThat(html).contains("signed", keyId(alice).substring(0, 8), "unsigned", "as web");
        assertThat(html).doesNotContain("hunter2-console");
        assertThat(jdbc.queryForObject(
                        "select signature_key_id from release where application = ? and version = '2.0.0'",
                        String.class,
                        app))
                .isEqualTo(keyId(alice));
    }

    @Test
    void aSignedReleaseThatWasChangedAfterSigningIsRefusedAndItsSecretsAreNotShown() throws Exception {
        assertThat(installKeys(1, false, List.of(alice), alice)).isEmpty();
        Map<String, Object> body = releaseBody("3.0.0", sha);
        body.put("secretEnv", Map.of("API_KEY", "s3cret-not-shown"));
        Map<String, Object> signed = new LinkedHashMap<>(sign(body, app, List.of(), alice, ReleaseSigning.now()));
        signed.put("start", List.of("bin/run", "--evil"));

        String html = postAs(deployer(), "/applications/" + app + "/releases/signed", json(signed))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();

        assertThat(html).contains("This could not be saved.", "signature").doesNotContain("s3cret-not-shown");
        assertThat(count("select count(*) from release where application = ?", app))
                .isZero();
        // Not JSON.
        assertThat(postAs(deployer(), "/applications/" + app + "/releases/signed", "{\"version\": ")
                        .andExpect(status().isOk())
                        .andReturn()
                        .getResponse()
                        .getContentAsString())
                .contains("not the JSON that ./tide sign release prints");
        // A viewer may not.
        postAs(viewer(), "/applications/" + app + "/releases/signed", json(signed))
                .andExpect(status().isForbidden());
    }

    @Test
    void theReleaseFormTakesTheUserToRunAs() throws Exception {
        mvc.perform(post("/applications/" + app + "/releases")
                        .param("version", "1.0.0")
                        .param("artifactSha256", sha)
                        .param("start", "bin/run")
                        .param("runAs", "web")
                        .with(user(users.loadUserByUsername(deployer().name())))
                        .with(csrf()))
                .andExpect(status().isFound());
        assertThat(jdbc.queryForObject(
                        "select run_as from release where application = ? and version = '1.0.0'", String.class, app))
                .isEqualTo("web");

        String html = mvc.perform(post("/applications/" + app + "/releases")
                        .param("version", "1.0.1")
                        .param("artifactSha256", sha)
                        .param("start", "bin/run")
                        .param("runAs", "Root; rm -rf /")
                        .with(user(users.loadUserByUsername(deployer().name())))
                        .with(csrf()))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(html).contains("id=\"runAs-error\"");
        assertThat(count("select count(*) from release where application = ? and version = '1.0.1'", app))
                .isZero();
    }
}
