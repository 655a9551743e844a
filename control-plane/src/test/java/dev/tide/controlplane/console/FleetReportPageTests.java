package dev.tide.controlplane.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.startsWith;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.redirectedUrl;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.security.UserService;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.core.io.ClassPathResource;
import org.springframework.test.web.servlet.request.RequestPostProcessor;

/**
 * The fleet-scale report on the Compare page, from the {@code runs.csv} and chart on the test classpath under
 * {@code static/fleet-report/} (where the build bundles {@code docs/report/}): a viewer sees the table and the
 * charts and can load the files behind them, an anonymous user is sent to sign in, and with no report the page
 * still renders and says how to produce one.
 */
class FleetReportPageTests extends IntegrationTest {
    @Autowired
    private UserService users;

    @Autowired
    private FleetReport fleetReport;

    private RequestPostProcessor viewerSignedIn() {
        return user(users.loadUserByUsername(viewer().name()));
    }

    private String compare() throws Exception {
        return mvc.perform(get("/compare").with(viewerSignedIn()))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
    }

    @Test
    void aViewerSeesTheFleetReportAndLoadsItsFiles() throws Exception {
        String html = compare();
        assertThat(html)
                .contains("At fleet scale (<code>./tide bench</code>)", "<caption>", "<th scope=\"col\">Mode</th>")
                .contains(">6,137 ms<", ">6,207 ms<", ">9,880 ms<", ">15.8 %<", ">17.2 s<", ">77.7 s<")
                .contains(">10,000<", "did not reach", "enrollment: 7,412 of 10000 agents connected after 600 s")
                .containsPattern(
                        "<img src=\"/fleet-report/charts/delivered-p99.png\" alt=\"Chart: Desired → delivered, p99")
                .contains("docs/report/README.md", "docs/comparison.md", "href=\"/fleet-report/runs.csv\"")
                .doesNotContain("No fleet report is bundled");

        mvc.perform(get("/fleet-report/runs.csv").with(viewerSignedIn()))
                .andExpect(status().isOk())
                .andExpect(content().string(startsWith("mode,nodes,completed,")));
        mvc.perform(get("/fleet-report/charts/delivered-p99.png").with(viewerSignedIn()))
                .andExpect(status().isOk())
                .andExpect(content().contentType("image/png"));
        for (String file : new String[] {"/fleet-report/runs.csv", "/fleet-report/charts/delivered-p99.png"}) {
            mvc.perform(get(file)).andExpect(status().isFound()).andExpect(redirectedUrl("/login"));
        }
    }

    @Test
    void withoutAReportThePageStillRendersAndSaysHowToProduceOne() throws Exception {
        fleetReport.readFrom(new ClassPathResource("static/fleet-report/no-such-runs.csv"));
        try {
            assertThat(compare())
                    .contains("Compare push and pull", "At fleet scale")
                    .contains("No fleet report is bundled", "<code>./tide bench</code>", "docs/benchmarks.md")
                    .doesNotContain("<caption>", "/fleet-report/charts/");
        } finally {
            fleetReport.readFrom(new ClassPathResource(FleetReport.BUNDLED));
        }
    }
}
