package dev.tide.controlplane.application;

import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.NotFoundException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Creates immutable releases, verifying their signatures, and finds them. */
@Service
public class ReleaseService {
    private final ReleaseRepository releases;
    private final ApplicationService applications;
    private final ArtifactRepository artifacts;
    private final ArtifactService artifactFiles;
    private final ReleaseSignatures signatures;
    private final AuditService audit;
    private final Clock clock;

    ReleaseService(
            ReleaseRepository releases,
            ApplicationService applications,
            ArtifactRepository artifacts,
            ArtifactService artifactFiles,
            ReleaseSignatures signatures,
            AuditService audit,
            Clock clock) {
        this.releases = releases;
        this.applications = applications;
        this.artifacts = artifacts;
        this.artifactFiles = artifactFiles;
        this.signatures = signatures;
        this.audit = audit;
        this.clock = clock;
    }

    @Transactional
    public Release create(String application, ReleaseSpec spec) {
        Application app = applications.get(application);
        boolean agent = AgentApplication.is(application);
        spec.validate(agent);
        if (!artifacts.existsById(spec.artifactSha256())) {
            throw InvalidInputException.unknownReference(
                    "artifactSha256", "no artifact with this sha256 was uploaded; POST it to /api/v1/artifacts first");
        }
        if (agent && !isZip(spec.artifactSha256())) {
            throw InvalidInputException.field(
                    "artifactSha256",
                    "must be an agent jar (a zip file, such as node-agent/target/tide-agent.jar) for a "
                            + AgentApplication.NAME + " release");
        }
        if (releases.existsByApplicationAndVersion(application, spec.version())) {
            throw new ConflictException(
                    "release " + application + "@" + spec.version() + " already exists; releases are immutable");
        }
        Release.Signature signature =
                spec.signature() == null ? null : signatures.verify(application, spec, app.getDependsOn());
        Release release =
                releases.save(new Release(application, spec, signature, AuditService.currentActor(), clock.instant()));
        // Secret values are never audited; their names are.
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("version", spec.version());
        details.put("artifactSha256", spec.artifactSha256());
        details.put("secretEnv", release.getSecretEnvNames());
        if (signature != null) {
            details.put("signatureKeyId", signature.keyId());
        }
        audit.record("release.create", "application/" + application, details);
        return release;
    }

    /** Whether the artifact starts with a zip file's local header, as every jar does. */
    private boolean isZip(String sha256) {
        try (java.io.InputStream in = artifactFiles.open(sha256, 0)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read artifact " + sha256, e);
        }
    }

    @Transactional(readOnly = true)
    public List<Release> list(String application) {
        applications.get(application);
        return releases.findAllByApplicationOrderByCreatedAtDesc(application);
    }

    @Transactional(readOnly = true)
    public Release get(String application, String version) {
        return releases.findByApplicationAndVersion(application, version)
                .orElseThrow(() -> new NotFoundException("release", application + "@" + version));
    }

    @Transactional(readOnly = true)
    public Release get(UUID id) {
        return releases.findById(id).orElseThrow(() -> new NotFoundException("release", id));
    }
}
