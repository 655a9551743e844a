package dev.tide.controlplane.security;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.time.Instant;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/users}: users and their roles (ADMIN only). */
@RestController
@RequestMapping("/api/v1/users")
class UserController {
    private final UserService users;

    UserController(UserService users) {
        this.users = users;
    }

    record UserView(String name, Role role, boolean enabled, Instant createdAt, Instant updatedAt) {
        static UserView of(AppUser u) {
            return new UserView(u.getName(), u.getRole(), u.isEnabled(), u.getCreatedAt(), u.getUpdatedAt());
        }
    }

    record CreateUser(
            @NotNull String name,
            @NotNull String password,
            @NotNull Role role) {}

    record UpdateUser(String password, Role role, Boolean enabled) {}

    @GetMapping
    List<UserView> list() {
        return users.list().stream().map(UserView::of).toList();
    }

    @GetMapping("/{name}")
    UserView get(@PathVariable String name) {
        return UserView.of(users.get(name));
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    UserView create(@Valid @RequestBody CreateUser body) {
        return UserView.of(users.create(body.name(), body.password(), body.role()));
    }

    @PatchMapping("/{name}")
    UserView update(@PathVariable String name, @RequestBody UpdateUser body) {
        return UserView.of(users.update(name, body.password(), body.role(), body.enabled()));
    }

    @DeleteMapping("/{name}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String name) {
        users.delete(name);
    }
}
