package dev.tide.controlplane.releasekey;

import dev.tide.controlplane.system.NotFoundException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/environments/{name}/release-keys}: the environment's current release key set
 * (VIEWER) and its replacement by a newer set signed by a key of the current one (ADMIN).
 */
@RestController
@RequestMapping("/api/v1/environments/{environment}/release-keys")
class ReleaseKeyController {
    private final ReleaseKeyService keys;

    ReleaseKeyController(ReleaseKeyService keys) {
        this.keys = keys;
    }

    @GetMapping
    KeySetView get(@PathVariable String environment) {
        return keys.find(environment)
                .orElseThrow(() -> new NotFoundException("release key set of environment", environment));
    }

    @PutMapping
    KeySetView put(@PathVariable String environment, @RequestBody KeySetSpec body) {
        return keys.install(environment, body);
    }
}
