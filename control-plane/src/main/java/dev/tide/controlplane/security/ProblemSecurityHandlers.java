package dev.tide.controlplane.security;

import dev.tide.controlplane.system.ProblemDetailsAdvice;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import tools.jackson.databind.json.JsonMapper;

/** 401, 403 and 429 as problem documents, the same shape as every other API error. */
final class ProblemSecurityHandlers {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private ProblemSecurityHandlers() {}

    /** 401, or 429 with {@code Retry-After} when the sign-in was throttled. */
    static AuthenticationEntryPoint unauthorized() {
        return (request, response, e) -> {
            if (e instanceof LoginThrottledException throttled) {
                response.setHeader("Retry-After", Long.toString(throttled.retryAfterSeconds()));
                write(
                        response,
                        ProblemDetailsAdvice.problem(
                                HttpStatus.TOO_MANY_REQUESTS,
                                "too-many-sign-in-failures",
                                "Too many failed sign-ins",
                                "Too many wrong passwords for this user or from this address; retry after "
                                        + throttled.retryAfterSeconds()
                                        + " s. Scripts should use an API token."));
                return;
            }
            response.setHeader("WWW-Authenticate", "Basic realm=\"tide\", Bearer");
            write(
                    response,
                    ProblemDetailsAdvice.problem(
                            HttpStatus.UNAUTHORIZED,
                            "unauthorized",
                            "Unauthorized",
                            "Authenticate with HTTP Basic (user and password) or 'Authorization: Bearer <api token>'."));
        };
    }

    static AccessDeniedHandler forbidden() {
        return (request, response, e) -> write(
                response,
                ProblemDetailsAdvice.problem(
                        HttpStatus.FORBIDDEN, "forbidden", "Forbidden", "Your role does not allow this operation."));
    }

    private static void write(HttpServletResponse response, ProblemDetail problem) throws IOException {
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", problem.getType().toString());
        body.put("title", problem.getTitle());
        body.put("status", problem.getStatus());
        body.put("detail", problem.getDetail());
        JSON.writeValue(response.getOutputStream(), body);
    }
}
