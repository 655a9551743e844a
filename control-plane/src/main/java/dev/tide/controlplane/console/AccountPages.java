package dev.tide.controlplane.console;

import dev.tide.controlplane.security.ApiTokenService;
import dev.tide.controlplane.security.Role;
import dev.tide.controlplane.security.UserService;
import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import java.util.UUID;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * API tokens (everyone their own, admins all of them, as in the REST API) and users with their
 * roles (admins only; the security configuration refuses everyone else).
 */
@Controller
class AccountPages {
    private final ApiTokenService tokens;
    private final UserService users;

    AccountPages(ApiTokenService tokens, UserService users) {
        this.tokens = tokens;
        this.users = users;
    }

    @GetMapping("/tokens")
    String tokens(Authentication auth, Model model) {
        ConsoleUser me = ConsoleUser.current();
        model.addAttribute("tokens", tokens.list(auth.getName(), me != null && me.isAdmin()));
        return "console/tokens";
    }

    @PostMapping("/tokens")
    String createToken(
            @RequestParam(required = false) String name,
            @RequestParam(required = false) Integer expiresInDays,
            Authentication auth,
            Model model,
            RedirectAttributes flash) {
        try {
            ApiTokenService.Created created = tokens.create(auth.getName(), name, expiresInDays);
            // The secret goes in this answer only, never through the session (which is a database
            // row with sessions shared by replicas): reloading the page does not show it again.
            model.addAttribute("createdToken", created.secret());
            model.addAttribute("createdTokenName", name);
            return tokens(auth, model);
        } catch (InvalidInputException e) {
            rejected(flash, e.errors().get(0).field(), e.errors().get(0).message(), name);
        } catch (ConflictException e) {
            rejected(flash, "name", e.getMessage(), name);
        }
        return "redirect:/tokens";
    }

    @PostMapping("/tokens/{id}/delete")
    String deleteToken(@PathVariable UUID id, Authentication auth, RedirectAttributes flash) {
        ConsoleUser me = ConsoleUser.current();
        tokens.delete(id, auth.getName(), me != null && me.isAdmin());
        flash.addFlashAttribute("notice", "Deleted the token; it no longer authenticates.");
        return "redirect:/tokens";
    }

    @GetMapping("/users")
    String users(Model model) {
        model.addAttribute("users", users.list());
        model.addAttribute("roles", Role.values());
        return "console/users";
    }

    @PostMapping("/users")
    String createUser(
            @RequestParam(required = false) String name,
            @RequestParam(required = false) String password,
            @RequestParam(required = false) Role role,
            RedirectAttributes flash) {
        try {
            users.create(name, password, role);
            flash.addFlashAttribute("notice", "Created user " + name + ".");
        } catch (InvalidInputException e) {
            rejected(flash, e.errors().get(0).field(), e.errors().get(0).message(), name);
        } catch (ConflictException e) {
            rejected(flash, "name", e.getMessage(), name);
        }
        return "redirect:/users";
    }

    @PostMapping("/users/{name}")
    String updateUser(
            @PathVariable String name,
            @RequestParam(required = false) Role role,
            @RequestParam(required = false) Boolean enabled,
            @RequestParam(required = false) String password,
            RedirectAttributes flash) {
        try {
            users.update(name, password == null || password.isEmpty() ? null : password, role, enabled);
            flash.addFlashAttribute("notice", "Updated user " + name + ".");
        } catch (InvalidInputException | ConflictException e) {
            flash.addFlashAttribute(
                    "problem",
                    ConsoleAdvice.capitalize(
                                    e instanceof InvalidInputException i
                                            ? i.errors().get(0).field() + " "
                                                    + i.errors().get(0).message()
                                            : e.getMessage())
                            + ".");
        }
        return "redirect:/users";
    }

    @PostMapping("/users/{name}/delete")
    String deleteUser(@PathVariable String name, RedirectAttributes flash) {
        try {
            users.delete(name);
            flash.addFlashAttribute("notice", "Deleted user " + name + " and their API tokens.");
        } catch (ConflictException e) {
            flash.addFlashAttribute("problem", ConsoleAdvice.capitalize(e.getMessage()) + ".");
        }
        return "redirect:/users";
    }

    /** The create form comes back with the message under {@code field} and the name kept. */
    private static void rejected(RedirectAttributes flash, String field, String message, String name) {
        flash.addFlashAttribute("errorField", field);
        flash.addFlashAttribute("error", message);
        flash.addFlashAttribute("name", name);
    }
}
