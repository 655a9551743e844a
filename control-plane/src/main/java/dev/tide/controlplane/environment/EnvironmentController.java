package dev.tide.controlplane.environment;

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

/**
 * {@code /api/v1/environments}. {@code PATCH {"mode": "PUSH"|"PULL"}} is the runtime mode
 * switch; any other field of the body may be patched alongside.
 */
@RestController
@RequestMapping("/api/v1/environments")
class EnvironmentController {
    private final EnvironmentService environments;

    EnvironmentController(EnvironmentService environments) {
        this.environments = environments;
    }

    record EnvironmentView(
            String name,
            String description,
            DeliveryMode mode,
            int pullIntervalSeconds,
            int pullJitterSeconds,
            boolean watch,
            int pushMaxParallel,
            Instant modeChangedAt,
            Instant createdAt,
            Instant updatedAt) {
        static EnvironmentView of(Environment e) {
            return new EnvironmentView(
                    e.getName(),
                    e.getDescription(),
                    e.getMode(),
                    e.getPullIntervalSeconds(),
                    e.getPullJitterSeconds(),
                    e.isWatchEnabled(),
                    e.getPushMaxParallel(),
                    e.getModeChangedAt(),
                    e.getCreatedAt(),
                    e.getUpdatedAt());
        }
    }

    /** Body of POST (name required) and PATCH (name ignored): absent fields keep their value. */
    record EnvironmentBody(
            String name,
            String description,
            DeliveryMode mode,
            Integer pullIntervalSeconds,
            Integer pullJitterSeconds,
            Boolean watch,
            Integer pushMaxParallel) {
        EnvironmentSettings over(EnvironmentSettings base) {
            return new EnvironmentSettings(
                    description != null ? description : base.description(),
                    mode != null ? mode : base.mode(),
                    pullIntervalSeconds != null ? pullIntervalSeconds : base.pullIntervalSeconds(),
                    pullJitterSeconds != null ? pullJitterSeconds : base.pullJitterSeconds(),
                    watch != null ? watch : base.watch(),
                    pushMaxParallel != null ? pushMaxParallel : base.pushMaxParallel());
        }
    }

    @GetMapping
    List<EnvironmentView> list() {
        return environments.list().stream().map(EnvironmentView::of).toList();
    }

    @GetMapping("/{name}")
    EnvironmentView get(@PathVariable String name) {
        return EnvironmentView.of(environments.get(name));
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    EnvironmentView create(@RequestBody EnvironmentBody body) {
        return EnvironmentView.of(environments.create(body.name(), body.over(EnvironmentSettings.DEFAULTS)));
    }

    @PatchMapping("/{name}")
    EnvironmentView update(@PathVariable String name, @RequestBody EnvironmentBody body) {
        return EnvironmentView.of(environments.update(name, body::over));
    }

    @DeleteMapping("/{name}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@PathVariable String name) {
        environments.delete(name);
    }
}
