package dev.tide.controlplane.security;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The OpenAPI description's title and the two ways the API chain accepts a caller (an API token
 * as a bearer, or HTTP Basic), so that Swagger UI's "Authorize" sends them with "Try it out".
 */
@Configuration(proxyBeanMethods = false)
class ApiDocumentation {
    @Bean
    OpenAPI tideOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Tide API").version("v1"))
                .components(new Components()
                        .addSecuritySchemes(
                                "apiToken",
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.HTTP)
                                        .scheme("bearer")
                                        .description(
                                                "An API token (POST /api/v1/tokens, or the console's Tokens page)"))
                        .addSecuritySchemes(
                                "password",
                                new SecurityScheme()
                                        .type(SecurityScheme.Type.HTTP)
                                        .scheme("basic")))
                .addSecurityItem(new SecurityRequirement().addList("apiToken"))
                .addSecurityItem(new SecurityRequirement().addList("password"));
    }
}
