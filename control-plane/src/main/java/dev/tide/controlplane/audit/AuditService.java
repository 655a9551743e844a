package dev.tide.controlplane.audit;

import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.data.jpa.domain.Specification;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Writes audit events. {@link #record} joins the caller's transaction, so an event exists
 * exactly when the change it describes was committed.
 */
@Service
public class AuditService {
    private final AuditEventRepository repository;
    private final Clock clock;

    AuditService(AuditEventRepository repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
    }

    /** Records that the current user did {@code action} to {@code subject}. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void record(String action, String subject, Map<String, ?> details) {
        recordAs(currentActor(), action, subject, details);
    }

    /** Records an action by a named actor, such as {@code agent:web-1} or {@code system}. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void recordAs(String actor, String action, String subject, Map<String, ?> details) {
        repository.save(new AuditEvent(clock.instant(), actor, action, subject, new LinkedHashMap<>(details)));
    }

    @Transactional(readOnly = true)
    public Page<AuditEvent> search(String actor, String action, String subject, int page, int size) {
        Specification<AuditEvent> spec = Specification.unrestricted();
        if (actor != null && !actor.isBlank()) {
            spec = spec.and((root, q, cb) -> cb.equal(root.get("actor"), actor));
        }
        if (action != null && !action.isBlank()) {
            spec = spec.and((root, q, cb) -> cb.equal(root.get("action"), action));
        }
        if (subject != null && !subject.isBlank()) {
            String prefix = subject.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
            spec = spec.and((root, q, cb) -> cb.like(root.get("subject"), prefix, '\\'));
        }
        Sort newestFirst = Sort.by(Sort.Order.desc("at"), Sort.Order.desc("id"));
        return repository.findAll(spec, PageRequest.of(page, size, newestFirst));
    }

    /** The signed-in user's name, or {@code system} outside a request. */
    public static String currentActor() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        return auth == null || !auth.isAuthenticated() ? "system" : auth.getName();
    }
}
