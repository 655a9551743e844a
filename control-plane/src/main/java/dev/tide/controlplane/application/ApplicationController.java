package dev.tide.controlplane.application;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/applications}: applications with {@code dependsOn}. */
@RestController
@RequestMapping("/api/v1/applications")
class ApplicationController {
    private final ApplicationService applications;

    ApplicationController(ApplicationService applications) {
        this.applications = applications;
    }

    record ApplicationView(
            String name, String description, Set<String> dependsOn, Instant createdAt, Instant updatedAt) {
        static ApplicationView of(Application a) {
            return new ApplicationView(
                    a.getName(), a.getDescription(), a.getDependsOn(), a.getCreatedAt(), a.getUpdatedAt());
        }
    }

    record ApplicationBody(String name, String description, List<String> dependsOn) {}

    @GetMapping
    List<ApplicationView> list() {
        return applications.list().stream().map(ApplicationView::of).toList();
    }

    @GetMapping("/{name}")
    ApplicationView get(@PathVariable String name) {
        return ApplicationView.of(applications.get(name));
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    ApplicationView create(@RequestBody ApplicationBody body) {
        return ApplicationView.of(applications.create(body.name(), body.description(), body.dependsOn()));
    }

    @PatchMapping("/{name}")
    ApplicationView update(@PathVariable String name, @RequestBody ApplicationBody body) {
        return ApplicationView.of(applications.update(name, body.description(), body.dependsOn()));
    }
}
