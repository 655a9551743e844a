package dev.tide.controlplane.console;

import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.NotFoundException;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.ModelAndView;

/**
 * For console controllers only: the signed-in user on every page, and errors as pages in the
 * layout that say what went wrong in words. Ordered before the REST API's problem-document
 * advice, which would otherwise answer a browser with JSON.
 */
@ControllerAdvice(basePackageClasses = ConsoleAdvice.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConsoleAdvice {
    private static final Logger log = LoggerFactory.getLogger(ConsoleAdvice.class);

    @ModelAttribute("me")
    ConsoleUser me() {
        return ConsoleUser.current();
    }

    @ModelAttribute("path")
    String path(HttpServletRequest request) {
        return request.getRequestURI();
    }

    @ExceptionHandler(NotFoundException.class)
    ModelAndView notFound(NotFoundException e) {
        return ErrorPages.page(HttpStatus.NOT_FOUND, "Not found", capitalize(e.getMessage()) + ".");
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ModelAndView badId(MethodArgumentTypeMismatchException e) {
        return ErrorPages.page(
                HttpStatus.NOT_FOUND, "Not found", "There is nothing at this address: '" + e.getValue() + "'.");
    }

    @ExceptionHandler(AccessDeniedException.class)
    ModelAndView denied() {
        return ErrorPages.forbidden();
    }

    @ExceptionHandler(ConflictException.class)
    ModelAndView conflict(ConflictException e) {
        return ErrorPages.page(HttpStatus.CONFLICT, "That cannot be done now", capitalize(e.getMessage()) + ".");
    }

    @ExceptionHandler(InvalidInputException.class)
    ModelAndView invalid(InvalidInputException e) {
        return ErrorPages.page(HttpStatus.BAD_REQUEST, "Invalid input", capitalize(e.getMessage()) + ".");
    }

    @ExceptionHandler(Exception.class)
    ModelAndView unexpected(Exception e) throws Exception {
        if (e instanceof org.springframework.web.ErrorResponse) {
            throw e; // 404/405 and friends: Spring's own handling knows the status
        }
        log.error("Unexpected error in the console", e);
        return ErrorPages.internal();
    }

    static String capitalize(String s) {
        return s == null || s.isEmpty() ? "" : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
