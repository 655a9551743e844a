package dev.tide.controlplane.delivery;

import dev.tide.controlplane.system.InvalidInputException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Where the dispatcher dials each node. Set at enrollment, and again by a push-mode agent's
 * periodic check-in: a node that moved (a new address, or --advertise changed) is dialled at its
 * new endpoint from then on, without waiting out the backoff of its failed dials.
 */
@Component
class PushEndpoints {
    private static final Logger log = LoggerFactory.getLogger(PushEndpoints.class);
    private static final Pattern HOST_PORT = Pattern.compile("^[A-Za-z0-9.\\-\\[\\]:]{1,250}:[0-9]{1,5}$");

    /** Published when a node's endpoint changed (the change is committed). */
    record Changed(UUID nodeId, String endpoint) {}

    private final JdbcTemplate jdbc;
    private final ApplicationEventPublisher events;

    PushEndpoints(JdbcTemplate jdbc, ApplicationEventPublisher events) {
        this.jdbc = jdbc;
        this.events = events;
    }

    /** Refuses an endpoint that is not host:port (empty is allowed: the agent does not listen). */
    static void check(String endpoint) {
        if (!endpoint.isBlank() && !HOST_PORT.matcher(endpoint).matches()) {
            throw InvalidInputException.field("push_endpoint", "must be host:port");
        }
    }

    /** Records the endpoint a node reports; one statement, which writes only when it changed. */
    void reported(UUID nodeId, String endpoint) {
        check(endpoint);
        int changed = jdbc.update(
                "update node set push_endpoint = ? where id = ? and push_endpoint is distinct from ?",
                endpoint,
                nodeId,
                endpoint);
        if (changed > 0) {
            log.info("Node {} now serves push sessions at {}", nodeId, endpoint);
            events.publishEvent(new Changed(nodeId, endpoint));
        }
    }
}
