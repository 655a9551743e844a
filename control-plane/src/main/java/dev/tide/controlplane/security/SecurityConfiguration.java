package dev.tide.controlplane.security;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextHolderFilter;

/**
 * Two filter chains. The API chain ({@code /api}, {@code /actuator}, {@code /v3/api-docs} and the
 * Swagger UI that renders it) is stateless: HTTP Basic or a bearer API token on every request, errors as problem documents.
 * Passwords, in both chains, are checked by {@link PasswordAuthentication} (throttled, cached).
 * The console chain uses form login with a session (stored in the database for every replica, see
 * {@link ConsoleSessions}) and CSRF protection. Access rules per role
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
    SecurityFilterChain apiChain(HttpSecurity http, ApiTokenService tokens, PasswordAuthentication passwords)
            throws Exception {
        AuthenticationEntryPoint unauthorized = ProblemSecurityHandlers.unauthorized();
        http.securityMatcher("/api/**", "/actuator/**", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**")
                .authenticationManager(passwords)
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .httpBasic(basic -> basic.authenticationEntryPoint(unauthorized))
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthorized)
                        .accessDeniedHandler(ProblemSecurityHandlers.forbidden()))
                .addFilterBefore(
                        new ApiTokenAuthenticationFilter(tokens, unauthorized), BasicAuthenticationFilter.class)
                .authorizeHttpRequests(auth -> auth
                        // An event stream's request was authorized when it started; it ends with an
                        // ASYNC dispatch that carries no credentials of its own (the chain is stateless),
                        // and an ERROR dispatch renders the problem of an authorized one.
                        .dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR)
                        .permitAll()
                        // Probes, scraping and the API description (as JSON, or as pages to try it
                        // out with one's own token) need no credentials.
                        .requestMatchers(
                                "/actuator/health/**",
                                "/actuator/info",
                                "/actuator/prometheus",
                                "/v3/api-docs/**",
                                "/swagger-ui.html",
                                "/swagger-ui/**")
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

    /**
     * The web console: form login, a session, CSRF on every form. Reading is open to every role;
     * each mutating form posts to a path whose rule below matches the REST API's rule for the same
     * change, so the console never allows more than the API. Anything not listed needs ADMIN.
     * Every request of a session is held to the user as they are now (role, enabled), and a
     * throttled sign-in is told so on the login page.
     */
    @Bean
    @Order(2)
    SecurityFilterChain consoleChain(HttpSecurity http, PasswordAuthentication passwords, SessionUsers users)
            throws Exception {
        http.authenticationManager(passwords)
                .addFilterAfter(
                        new SessionRecheckFilter(users, new HttpSessionSecurityContextRepository()),
                        SecurityContextHolderFilter.class)
                .authorizeHttpRequests(auth -> auth
                        // The error and access-denied pages are rendered by forwarding to them.
                        .dispatcherTypeMatchers(DispatcherType.FORWARD, DispatcherType.ERROR)
                        .permitAll()
                        .requestMatchers(
                                "/login", "/error", "/webjars/**", "/css/**", "/js/**", "/favicon.ico", "/favicon.svg")
                        .permitAll()
                        .requestMatchers("/users", "/users/**")
                        .hasRole(Role.ADMIN.name())
                        .requestMatchers(HttpMethod.GET, "/deployments/new")
                        .hasRole(Role.DEPLOYER.name())
                        .requestMatchers(HttpMethod.GET, "/**")
                        .hasRole(Role.VIEWER.name())
                        // Everyone manages their own API tokens, as in the REST API.
                        .requestMatchers(HttpMethod.POST, "/tokens", "/tokens/**")
                        .hasRole(Role.VIEWER.name())
                        .requestMatchers(
                                HttpMethod.POST,
                                "/artifacts",
                                "/applications/*/releases",
                                "/applications/*/releases/signed")
                        .hasRole(Role.DEPLOYER.name())
                        .requestMatchers(HttpMethod.POST, "/deployments", "/deployments/**")
                        .hasRole(Role.DEPLOYER.name())
                        // Environments, enrollment tokens, nodes, applications: ADMIN.
                        .anyRequest()
                        .hasRole(Role.ADMIN.name()))
                .formLogin(form -> form.loginPage("/login")
                        .defaultSuccessUrl("/", false)
                        .failureHandler(SecurityConfiguration::loginFailed)
                        .permitAll())
                .logout(logout -> logout.logoutSuccessUrl("/login?logout").permitAll())
                .exceptionHandling(e -> e.accessDeniedPage("/denied"));
        return http.build();
    }

    /** Back to the form: with how long to wait when throttled, else the usual error. */
    private static void loginFailed(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        String query =
                e instanceof LoginThrottledException throttled ? "throttled=" + throttled.retryAfterSeconds() : "error";
        response.sendRedirect(request.getContextPath() + "/login?" + query);
    }
}
