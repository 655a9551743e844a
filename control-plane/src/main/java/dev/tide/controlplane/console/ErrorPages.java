package dev.tide.controlplane.console;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorViewResolver;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.WebAttributes;
import org.springframework.security.web.csrf.CsrfException;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.servlet.ModelAndView;

/**
 * Error pages in the console layout: the 403 page Spring Security forwards to, and the pages for
 * whatever reaches Spring Boot's {@code /error} (unknown addresses, failures outside controllers).
 */
@Controller
class ErrorPages implements ErrorViewResolver {

    static ModelAndView page(HttpStatus status, String title, String message) {
        ModelAndView mav = new ModelAndView("console/error");
        mav.setStatus(status);
        mav.addObject("status", status.value());
        mav.addObject("title", title);
        mav.addObject("message", message);
        mav.addObject("me", ConsoleUser.current());
        return mav;
    }

    static ModelAndView forbidden() {
        return page(
                HttpStatus.FORBIDDEN,
                "Not allowed",
                "Your role does not allow this. Ask an admin if you need it; everything you may do is offered"
                        + " on the pages.");
    }

    static ModelAndView notFound() {
        return page(
                HttpStatus.NOT_FOUND,
                "Page not found",
                "There is nothing at this address. It may have been deleted, or the link is mistyped.");
    }

    static ModelAndView internal() {
        return page(
                HttpStatus.INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The control plane could not complete this request. Nothing was half-done; try again, and if it"
                        + " keeps failing the control-plane log has the details.");
    }

    /** Where Spring Security forwards a refused request (role too low, or a stale form). */
    @RequestMapping("/denied")
    ModelAndView denied(HttpServletRequest request) {
        if (request.getAttribute(WebAttributes.ACCESS_DENIED_403) instanceof CsrfException) {
            return page(
                    HttpStatus.FORBIDDEN,
                    "Form expired",
                    "This form was sent without a valid security token, usually because the page was open"
                            + " before you signed in again. Go back, reload the page and send it again.");
        }
        return forbidden();
    }

    @Override
    public ModelAndView resolveErrorView(HttpServletRequest request, HttpStatus status, Map<String, Object> model) {
        ModelAndView mav = switch (status) {
            case NOT_FOUND, METHOD_NOT_ALLOWED -> notFound();
            case FORBIDDEN -> forbidden();
            case BAD_REQUEST, PAYLOAD_TOO_LARGE ->
                page(
                        status,
                        "Request not understood",
                        "The request could not be read ("
                                + status.getReasonPhrase().toLowerCase() + "). Go back and check what you entered.");
            default ->
                status.is5xxServerError()
                        ? internal()
                        : page(status, status.getReasonPhrase(), "The request could not be completed.");
        };
        model.forEach(mav.getModel()::putIfAbsent);
        return mav;
    }
}
