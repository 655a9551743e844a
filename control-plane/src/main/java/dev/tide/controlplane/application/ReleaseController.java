package dev.tide.controlplane.application;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/applications/{name}/releases}: immutable releases of an application. */
@RestController
@RequestMapping("/api/v1/applications/{application}/releases")
class ReleaseController {
    private final ReleaseService releases;

    ReleaseController(ReleaseService releases) {
        this.releases = releases;
    }

    /** What a secret value is shown as: the name is visible, the value never. */
    static final String MASK = "••••••";

    /** Who signed a release and when; the signature itself is for agents. */
    record SignatureView(String keyId, Instant issuedAt) {}

    /**
     * A release as users see it; secret env values are masked, whatever the caller's role.
     * {@code signed} is true only for a signature that was verified with a trusted key.
     */
    record ReleaseView(
            UUID id,
            String application,
            String version,
            String artifactSha256,
            List<String> start,
            Map<String, String> env,
            Map<String, String> secretEnv,
            Map<String, String> configFiles,
            HealthCheckSpec healthCheck,
            String runAs,
            boolean signed,
            SignatureView signature,
            String createdBy,
            Instant createdAt) {
        static ReleaseView of(Release r) {
            return new ReleaseView(
                    r.getId(),
                    r.getApplication(),
                    r.getVersion(),
                    r.getArtifactSha256(),
                    r.getStart(),
                    r.getEnv(),
                    masked(r),
                    r.getConfigFiles(),
                    r.getHealthCheck(),
                    r.getRunAs(),
                    r.getSignature().isPresent(),
                    r.getSignature()
                            .map(s -> new SignatureView(s.keyId(), s.issuedAt()))
                            .orElse(null),
                    r.getCreatedBy(),
                    r.getCreatedAt());
        }
    }

    private static Map<String, String> masked(Release r) {
        Map<String, String> masked = new LinkedHashMap<>();
        r.getSecretEnvNames().forEach(name -> masked.put(name, MASK));
        return masked;
    }

    @GetMapping
    List<ReleaseView> list(@PathVariable String application) {
        return releases.list(application).stream().map(ReleaseView::of).toList();
    }

    @GetMapping("/{version}")
    ReleaseView get(@PathVariable String application, @PathVariable String version) {
        return ReleaseView.of(releases.get(application, version));
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    ReleaseView create(@PathVariable String application, @RequestBody ReleaseSpec body) {
        return ReleaseView.of(releases.create(application, body));
    }
}
