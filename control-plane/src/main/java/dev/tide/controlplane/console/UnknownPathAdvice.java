package dev.tide.controlplane.console;

import dev.tide.controlplane.system.ProblemDetailsAdvice;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * An address (or a method on it) no controller took. Under the REST API it stays a problem document (answered by
 * {@link ProblemDetailsAdvice}, as before); anywhere else a person is looking, so it is the
 * console's 404 page.
 */
@ControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class UnknownPathAdvice {
    private final ProblemDetailsAdvice problems;

    UnknownPathAdvice(ProblemDetailsAdvice problems) {
        this.problems = problems;
    }

    @ExceptionHandler({NoResourceFoundException.class, HttpRequestMethodNotSupportedException.class})
    Object unknownPath(Exception e, HttpServletRequest request) throws Exception {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (path.startsWith("/api/") || path.startsWith("/actuator") || path.startsWith("/v3/")) {
            return problems.handleException(e, new ServletWebRequest(request));
        }
        return ErrorPages.notFound();
    }
}
