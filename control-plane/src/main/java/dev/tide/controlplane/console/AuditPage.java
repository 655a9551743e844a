package dev.tide.controlplane.console;

import dev.tide.controlplane.audit.AuditService;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/** The audit log, newest first, filtered by actor, action and subject prefix, 50 a page. */
@Controller
class AuditPage {
    private static final int PAGE_SIZE = 50;
    private final AuditService audit;

    AuditPage(AuditService audit) {
        this.audit = audit;
    }

    @GetMapping("/audit")
    String audit(
            @RequestParam(required = false) String actor,
            @RequestParam(required = false) String action,
            @RequestParam(required = false) String subject,
            @RequestParam(defaultValue = "0") int page,
            Model model) {
        model.addAttribute("actor", actor);
        model.addAttribute("action", action);
        model.addAttribute("subject", subject);
        model.addAttribute("events", audit.search(actor, action, subject, Math.max(0, page), PAGE_SIZE));
        return "console/audit";
    }
}
