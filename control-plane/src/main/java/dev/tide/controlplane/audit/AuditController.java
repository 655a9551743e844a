package dev.tide.controlplane.audit;

import dev.tide.controlplane.system.PageResponse;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Instant;
import java.util.Map;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/audit}: who did what, newest first, paged and filterable. */
@Validated
@RestController
@RequestMapping("/api/v1/audit")
class AuditController {
    private final AuditService audit;

    AuditController(AuditService audit) {
        this.audit = audit;
    }

    record AuditEventView(
            long id, Instant at, String actor, String action, String subject, Map<String, Object> details) {
        static AuditEventView of(AuditEvent e) {
            return new AuditEventView(
                    e.getId(), e.getAt(), e.getActor(), e.getAction(), e.getSubject(), e.getDetails());
        }
    }

    @GetMapping
    PageResponse<AuditEventView> list(
            @RequestParam(required = false) String actor,
            @RequestParam(required = false) String action,
            @RequestParam(required = false) String subject,
            @RequestParam(defaultValue = "0") @Min(0) int page,
            @RequestParam(defaultValue = "50") @Min(1) @Max(500) int size) {
        return PageResponse.of(audit.search(actor, action, subject, page, size).map(AuditEventView::of));
    }
}
