package dev.tide.e2e;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.AriaRole;
import com.microsoft.playwright.options.FilePayload;
import dev.tide.bench.support.ControlPlaneProcess;
import dev.tide.bench.support.Processes;
import dev.tide.bench.support.TarGz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real browser (the system Chromium driven by Playwright) against the real
 * control-plane jar and real agent processes: an operator signs in, creates an environment,
 * enrolls agents with a token made on the page, switches the environment to push, creates an
 * application, uploads its artifact, releases it and deploys it, and watches the deployment reach
 * the end on a page that is never reloaded. A viewer sees no control they cannot use. Every main
 * page is saved under {@code target/screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserE2eTests {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path SHOTS = Path.of("target/screenshots");
    private static final String VIEWER_PASSWORD = "viewer-password-1";

    @TempDir
    static Path dir;

    static Fleet fleet;
    static Playwright playwright;
    static Browser browser;
    static BrowserContext adminContext;
    static Page page;

    static final String env = "console-push";
    static final String pullEnv = "console-pull";
    static final String app = "hello";
    static String deploymentUrl;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(CHROMIUM),
                "Browser tests skipped: no Chromium at " + CHROMIUM
                        + " (install it with `apt-get install -y chromium`; .ci/run does)");
        Files.createDirectories(SHOTS);
        playwright = Playwright.create(
                new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
        browser = playwright
                .chromium()
                .launch(new BrowserType.LaunchOptions()
                        .setExecutablePath(CHROMIUM)
                        .setHeadless(true)
                        .setArgs(List.of(
                                "--no-sandbox",
                                "--disable-gpu",
                                "--disable-quic",
                                "--no-first-run",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-sync")));
        PlaywrightAssertions.setDefaultAssertionTimeout(15_000);
        fleet = new Fleet(dir);
        adminContext = context(1280, 900);
        page = adminContext.newPage();
        page.onDialog(dialog -> dialog.accept());
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    private static BrowserContext context(int width, int height) {
        return browser.newContext(new Browser.NewContextOptions()
                .setBaseURL(fleet.controlPlane.base())
                .setViewportSize(width, height));
    }

    private static void signIn(Page p, String user, String password) {
        p.navigate("/");
        assertThat(p).hasURL(fleet.controlPlane.base() + "/login");
        p.getByLabel("User name").fill(user);
        p.getByLabel("Password").fill(password);
        p.getByRole(AriaRole.BUTTON, new Page.GetByRoleOptions().setName("Sign in"))
                .click();
        assertThat(p.getByRole(AriaRole.HEADING, new Page.GetByRoleOptions().setName("Dashboard")))
                .isVisible();
    }

    private static void shot(Page p, String name) {
        p.screenshot(new Page.ScreenshotOptions()
                .setPath(SHOTS.resolve(name + ".png"))
                .setFullPage(true));
    }

    private static Locator button(Page p, String name) {
        return p.getByRole(
                AriaRole.BUTTON, new Page.GetByRoleOptions().setName(name).setExact(true));
    }

    @Test
    @Order(1)
    void signInAndCreateAnEnvironment() {
        signIn(page, "admin", ControlPlaneProcess.ADMIN_PASSWORD);
        assertThat(page.getByText("No environments yet")).isVisible();
        shot(page, "dashboard-empty");

        page.locator("nav.mainnav")
                .getByRole(AriaRole.LINK, new Locator.GetByRoleOptions().setName("Environments"))
                .click();
        page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill(env);
        page.getByLabel("Description").fill("Console test, pushed");
        page.getByLabel("Watch: agents long-poll").check();
        button(page, "Create environment").click();
        assertThat(page.locator("h1")).containsText(env);
        assertThat(page.locator("#current-mode")).hasText("PULL");
    }

    @Test
    @Order(2)
    void enrollAgentsWithATokenShownOnceAndSeeThemAppearLive() {
        button(page, "Create enrollment token").click();
        Locator token = page.locator("#new-enroll-token");
        assertThat(token).containsText("tide_enroll_");
        assertThat(button(page, "Copy")).isVisible();
        fleet.enrolledAgent(token.textContent().trim(), "web-1");
        fleet.enrolledAgent(fleet.enrollmentToken(env), "web-2");
        // Shown once only: in the answer to the form, never again (it is not kept in the session).
        assertThat(page.url()).endsWith("/environments/" + env + "/enrollment-tokens");
        page.navigate("/environments/" + env);
        assertThat(page.locator("#new-enroll-token")).hasCount(0);

        // The node table refreshes itself: the agents appear without a reload.
        page.evaluate("window.__notReloaded = true");
        Locator rows = page.locator("#nodes tr[data-node]");
        assertThat(rows).hasCount(2, new LocatorAssertions.HasCountOptions().setTimeout(60_000));
        assertThat(page.locator("#nodes")).containsText("online");
        assertThat((Boolean) page.evaluate("window.__notReloaded === true")).isTrue();
    }

    @Test
    @Order(3)
    void switchTheModeAfterAConfirmation() {
        page.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Switch to PUSH…"))
                .click();
        Locator confirm = page.locator("#confirm-mode");
        assertThat(confirm).containsText("push listener");
        assertThat(confirm).containsText("2 of 2 nodes have a push endpoint");
        shot(page, "environment-confirm-switch");
        confirm.getByRole(AriaRole.BUTTON, new Locator.GetByRoleOptions().setName("Switch to PUSH"))
                .click();
        assertThat(page.locator("#current-mode")).hasText("PUSH");
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("from PULL to PUSH");
        // Each agent acknowledges the switch; the table shows it live.
        assertThat(page.locator("#nodes .mode-PUSH"))
                .hasCount(2, new LocatorAssertions.HasCountOptions().setTimeout(60_000));
        shot(page, "environment");
    }

    @Test
    @Order(4)
    void createAnApplicationUploadItsArtifactAndRelease() throws Exception {
        page.navigate("/applications");
        assertThat(page.getByText("No applications yet")).isVisible();
        page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill(app);
        page.getByLabel("Description").fill("The example application");
        button(page, "Create application").click();
        assertThat(page.locator("h1")).hasText(app);

        byte[] tgz = new TarGz()
                .file("Hello.java", Files.readString(Processes.HELLO))
                .build();
        page.getByLabel("File").setInputFiles(new FilePayload("hello.tar.gz", "application/gzip", tgz));
        button(page, "Upload").click();
        assertThat(page.locator("#uploaded-sha")).hasText(java.util.regex.Pattern.compile("[0-9a-f]{64}"));
        assertThat(page.locator("#artifactSha256"))
                .hasValue(page.locator("#uploaded-sha").textContent().trim());

        page.getByLabel("Version").fill("1.0.0");
        page.locator("#start")
                .fill(String.join(
                        "\n",
                        Processes.JAVA,
                        "-Xmx48m",
                        "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC",
                        "-Dtide.e2e=" + fleet.runId,
                        "Hello.java"));
        page.locator("#env").fill("PORT=${node.label.port}\nAPP_VERSION=1.0.0\nGREETING=hello from ${node.name}");
        page.locator("#healthType").selectOption("http");
        page.locator("#healthPort").fill("${node.label.port}");
        page.locator("#healthPath").fill("/health");
        button(page, "Create release").click();
        assertThat(page.getByRole(AriaRole.STATUS)).containsText("Created release hello@1.0.0");
        assertThat(page.locator("table")).containsText("1.0.0");
        shot(page, "application");

        page.navigate("/applications");
        shot(page, "applications");
    }

    @Test
    @Order(5)
    void aFormErrorIsShownNextToItsField() {
        page.navigate("/deployments/new");
        page.locator("#environment").selectOption(env);
        page.locator("#release-" + app).selectOption("1.0.0");
        page.getByLabel("Batch size").fill("lots");
        button(page, "Start deployment").click();
        Locator error = page.locator("#batchSize-error");
        assertThat(error).containsText("must be a whole number or a percentage");
        // The message sits in the batch size field and is tied to its input.
        assertThat(page.locator("#batchSize")).hasAttribute("aria-describedby", "batchSize-error");
        assertThat(page.locator(".field.has-error")).containsText("Batch size");
        shot(page, "deployment-new-error");
    }

    @Test
    @Order(6)
    void deployAndWatchTheProgressReachTheEndWithoutReloading() {
        page.getByLabel("Batch size").fill("1");
        button(page, "Start deployment").click();
        assertThat(page.locator("h1")).containsText("Deployment");
        deploymentUrl = page.url();
        page.evaluate("window.__notReloaded = true");

        Locator state = page.locator("#deployment-state");
        assertThat(state).hasText("SUCCEEDED", new LocatorAssertions.HasTextOptions().setTimeout(180_000));
        assertThat(page.locator("#healthy-count")).hasText("2 / 2");
        assertThat(page.locator("#targets")).containsText("HEALTHY");
        assertThat(page.locator(".timeline")).containsText("target.healthy");
        // Progress arrived over the event stream into the page that was never reloaded.
        assertThat((Boolean) page.evaluate("window.__notReloaded === true")).isTrue();
        assertThat(page.locator("[data-sse-src]")).hasAttribute("data-sse-state", "ended");
        // A finished deployment offers only what its state allows.
        assertThat(button(page, "Pause")).hasCount(0);
        assertThat(button(page, "Cancel")).hasCount(0);
        assertThat(button(page, "Roll back")).isVisible();
        shot(page, "deployment");
    }

    @Test
    @Order(7)
    void comparePushWithPull() throws Exception {
        fleet.environment(pullEnv, "PULL", true, 30);
        fleet.agents(pullEnv, "pull", 1);
        String id = fleet.deploy(pullEnv, app, "1.0.0");
        fleet.awaitDeployment(id, "SUCCEEDED", Duration.ofSeconds(180));

        page.navigate("/compare?a=" + env + "&b=" + pullEnv);
        assertThat(page.locator("#converge-chart")).isVisible();
        assertThat(page.locator("#load-chart")).isVisible();
        // chart.js drew into the canvases.
        page.waitForFunction("() => window.Chart && Chart.getChart('converge-chart') && Chart.getChart('load-chart')");
        assertThat(page.locator("main")).containsText("median to healthy");
        shot(page, "compare");

        page.navigate("/");
        assertThat(page.locator("[data-env='" + env + "']")).containsText("PUSH");
        assertThat(page.locator("[data-env='" + env + "']")).containsText("100 %");
        assertThat(page.locator("[data-env='" + pullEnv + "']")).containsText("PULL");
        shot(page, "dashboard");
        for (String p : List.of("/deployments", "/audit", "/tokens", "/users", "/environments")) {
            page.navigate(p);
            shot(page, p.substring(1));
        }
        page.navigate("/no/such/page");
        assertThat(page.locator("h1")).hasText("Page not found");
        shot(page, "error-404");
    }

    @Test
    @Order(8)
    void aViewerSeesNoMutatingControls() {
        page.navigate("/users");
        page.getByLabel("Name", new Page.GetByLabelOptions().setExact(true)).fill("console-viewer");
        page.getByLabel("Password").fill(VIEWER_PASSWORD);
        page.getByLabel("Role", new Page.GetByLabelOptions().setExact(true)).selectOption("VIEWER");
        button(page, "Create user").click();
        assertThat(page.locator("#users-table")).containsText("console-viewer");

        try (BrowserContext viewerContext = context(1280, 900)) {
            Page viewer = viewerContext.newPage();
            signIn(viewer, "console-viewer", VIEWER_PASSWORD);
            assertThat(viewer.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("New deployment")))
                    .hasCount(0);
            assertThat(viewer.getByRole(AriaRole.LINK, new Page.GetByRoleOptions().setName("Users")))
                    .hasCount(0);

            viewer.navigate("/environments/" + env);
            assertThat(viewer.locator("#nodes tr[data-node]")).hasCount(2);
            assertThat(viewer.getByText("Switch to", new Page.GetByTextOptions()))
                    .hasCount(0);
            assertThat(viewer.locator("main form[method=post]")).hasCount(0);
            // the only inputs a viewer has here filter the node table: a GET form that changes nothing
            assertThat(viewer.locator("main form.node-filters[method=get]")).hasCount(1);
            assertThat(viewer.locator("main input:not(form.node-filters *), main select:not(form.node-filters *),"
                            + " main textarea"))
                    .hasCount(0);

            viewer.navigate(deploymentUrl);
            assertThat(viewer.locator("#deployment-state")).hasText("SUCCEEDED");
            assertThat(viewer.locator("main form[method=post]")).hasCount(0);

            viewer.navigate("/applications/" + app);
            assertThat(viewer.locator("main form")).hasCount(0);

            viewer.navigate("/users");
            assertThat(viewer.locator("h1")).hasText("Not allowed");
            shot(viewer, "error-403");

            // The phone-width layout, as a viewer would see it on the way.
            try (BrowserContext phone = context(390, 844)) {
                Page small = phone.newPage();
                signIn(small, "console-viewer", VIEWER_PASSWORD);
                shot(small, "dashboard-phone");
                small.navigate(deploymentUrl);
                shot(small, "deployment-phone");
            }
        }
    }
}
