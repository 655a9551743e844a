package dev.tide.controlplane.security;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;

/**
 * Two filter chains. The API chain ({@code /api}, {@code /actuator}, {@code /v3/api-docs}) is
 * stateless: HTTP Basic or a bearer API token on every request, errors as problem documents.
 * The console chain uses form login with a session and CSRF protection. Access rules per role
 * live here, in one table, so they can be read and reviewed together.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    /** bcrypt by default, with the algorithm recorded in each hash so it can be upgraded. */
    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    @Order(1)
    SecurityFilterChain apiChain(HttpSecurity http, ApiTokenService tokens) throws Exception {
        AuthenticationEntryPoint unauthorized = ProblemSecurityHandlers.unauthorized();
        http.securityMatcher("/api/**", "/actuator/**", "/v3/api-docs/**")
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(basic -> basic.authenticationEntryPoint(unauthorized))
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthorized)
                        .accessDeniedHandler(ProblemSecurityHandlers.forbidden()))
                .addFilterBefore(
                        new ApiTokenAuthenticationFilter(tokens, unauthorized), BasicAuthenticationFilter.class)
                .authorizeHttpRequests(auth -> auth
                        // Probes, scraping and the API description need no credentials.
                        .requestMatchers(
                                "/actuator/health/**", "/actuator/info", "/actuator/prometheus", "/v3/api-docs/**")
                        .permitAll()
                        .requestMatchers("/actuator/**")
                        .hasRole(Role.ADMIN.name())
                        .requestMatchers("/api/v1/users/**")
                        .hasRole(Role.ADMIN.name())
                        // Everyone manages their own API tokens; admins see all of them.
                        .requestMatchers("/api/v1/tokens/**")
                        .hasRole(Role.VIEWER.name())
                        .requestMatchers(HttpMethod.GET, "/api/v1/**")
                        .hasRole(Role.VIEWER.name())
                        .requestMatchers(HttpMethod.POST, "/api/v1/artifacts", "/api/v1/applications/*/releases")
                        .hasRole(Role.DEPLOYER.name())
                        .requestMatchers("/api/v1/deployments/**")
                        .hasRole(Role.DEPLOYER.name())
                        .anyRequest()
                        .hasRole(Role.ADMIN.name()));
        return http.build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain consoleChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests(auth -> auth.requestMatchers("/login", "/error", "/webjars/**", "/css/**", "/js/**")
                        .permitAll()
                        .anyRequest()
                        .authenticated())
                .formLogin(form -> form.permitAll())
                .logout(logout -> logout.permitAll());
        return http.build();
    }
}
