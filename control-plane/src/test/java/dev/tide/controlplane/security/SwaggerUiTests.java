package dev.tide.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Swagger UI beside the OpenAPI description, open as the description is: the page, its
 * configuration and its scripts load without credentials, and "Authorize" offers the two ways
 * the API takes a caller.
 */
class SwaggerUiTests extends IntegrationTest {
    @Test
    void swaggerUiIsServedWithoutCredentialsAndPointsAtTheApiDescription() {
        ApiResponse redirect = anonymous().get("/swagger-ui.html");
        assertThat(redirect.status()).isEqualTo(302);
        assertThat(redirect.header("Location")).endsWith("/swagger-ui/index.html");

        ApiResponse page = anonymous().get("/swagger-ui/index.html").expect(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.body()).contains("<div id=\"swagger-ui\">", "swagger-ui-bundle.js", "swagger-initializer.js");
        // Its scripts are files of its own origin: no policy on this path may forbid them.
        String policy = page.header("Content-Security-Policy");
        assertThat(policy == null || policy.contains("script-src 'self'") || !policy.contains("script-src"))
                .as("Content-Security-Policy %s", policy)
                .isTrue();
        // Scripts the page loads come from the same paths, also without credentials.
        assertThat(anonymous()
                        .get("/swagger-ui/swagger-initializer.js")
                        .expect(200)
                        .body())
                .contains("SwaggerUIBundle");
        assertThat(anonymous()
                        .get("/swagger-ui/swagger-ui-bundle.js")
                        .expect(200)
                        .body())
                .isNotEmpty();

        JsonNode config =
                anonymous().get("/v3/api-docs/swagger-config").expect(200).json();
        assertThat(config.path("url").asString()).isEqualTo("/v3/api-docs");
    }

    @Test
    void theApiDescriptionDeclaresTokenAndPasswordAuthentication() {
        JsonNode schemes = anonymous()
                .get("/v3/api-docs")
                .expect(200)
                .json()
                .path("components")
                .path("securitySchemes");

        assertThat(schemes.path("apiToken").path("scheme").asString()).isEqualTo("bearer");
        assertThat(schemes.path("password").path("scheme").asString()).isEqualTo("basic");
    }
}
