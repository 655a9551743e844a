package dev.tide.controlplane.application;

import jakarta.servlet.http.HttpServletRequest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * {@code /api/v1/artifacts}: upload as a raw body (any content type but multipart) or as the
 * multipart part {@code file}; answers {@code {sha256, size}}. Content-addressed and idempotent.
 */
@RestController
@RequestMapping("/api/v1/artifacts")
class ArtifactController {
    private final ArtifactService artifacts;

    ArtifactController(ArtifactService artifacts) {
        this.artifacts = artifacts;
    }

    record ArtifactView(String sha256, long size, String mediaType, String createdBy, Instant createdAt) {
        static ArtifactView of(Artifact a) {
            return new ArtifactView(a.getSha256(), a.getSize(), a.getMediaType(), a.getCreatedBy(), a.getCreatedAt());
        }
    }

    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    @ResponseStatus(HttpStatus.CREATED)
    ArtifactView uploadMultipart(@RequestParam("file") MultipartFile file) throws IOException {
        try (InputStream in = new BufferedInputStream(file.getInputStream())) {
            return ArtifactView.of(artifacts.upload(in, ArtifactService.mediaType(in, file.getContentType())));
        }
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    ArtifactView uploadRaw(HttpServletRequest request) throws IOException {
        try (InputStream in = new BufferedInputStream(request.getInputStream())) {
            return ArtifactView.of(artifacts.upload(in, ArtifactService.mediaType(in, request.getContentType())));
        }
    }

    @GetMapping("/{sha256}")
    ArtifactView get(@PathVariable String sha256) {
        return ArtifactView.of(artifacts.get(sha256));
    }

    /**
     * The bytes, always as a download: the uploader chose the media type, so serving it inline
     * would let any DEPLOYER put HTML or SVG with scripts on the console's origin. The stored
     * media type stays in the metadata; a browser never renders or sniffs the content, and the
     * sandbox policy denies it scripts and same-origin access even if it is opened anyway.
     */
    @GetMapping("/{sha256}/content")
    ResponseEntity<InputStreamResource> content(@PathVariable String sha256) throws IOException {
        Artifact artifact = artifacts.get(sha256);
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_OCTET_STREAM)
                .contentLength(artifact.getSize())
                .header(
                        HttpHeaders.CONTENT_DISPOSITION,
                        ContentDisposition.attachment()
                                .filename(artifact.getSha256())
                                .build()
                                .toString())
                .header("X-Content-Type-Options", "nosniff")
                .header("Content-Security-Policy", "sandbox; default-src 'none'")
                .body(new InputStreamResource(artifacts.open(sha256, 0)));
    }
}
