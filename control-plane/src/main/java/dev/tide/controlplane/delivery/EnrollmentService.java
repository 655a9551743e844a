package dev.tide.controlplane.delivery;

import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.environment.EnrollmentToken;
import dev.tide.controlplane.environment.EnrollmentTokenService;
import dev.tide.controlplane.node.Node;
import dev.tide.controlplane.node.NodeRepository;
import dev.tide.controlplane.security.Secrets;
import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.Names;
import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.proto.agent.v1.Schedule;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Turns one use of an enrollment token into a node with its own credential. */
@Service
class EnrollmentService {
    static final String CREDENTIAL_PREFIX = "tide_node_";

    private final EnrollmentTokenService tokens;
    private final NodeRepository nodes;
    private final SessionTokens sessionTokens;
    private final DesiredStateCache cache;
    private final AuditService audit;
    private final Clock clock;

    EnrollmentService(
            EnrollmentTokenService tokens,
            NodeRepository nodes,
            SessionTokens sessionTokens,
            DesiredStateCache cache,
            AuditService audit,
            Clock clock) {
        this.tokens = tokens;
        this.nodes = nodes;
        this.sessionTokens = sessionTokens;
        this.cache = cache;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * Checks the token, writes the node and its audit event, and only then takes a use of the
     * token: enrollments with one multi-use token queue on its row lock, so that lock should be
     * held for the commit only. A refusal at that point rolls the node back.
     */
    @Transactional
    public EnrollResponse enroll(EnrollRequest request) {
        validate(request);
        EnrollmentToken token = tokens.usable(request.getToken());
        String env = token.getEnvironment();
        if (nodes.existsByEnvironmentAndName(env, request.getName())) {
            throw new ConflictException("a node named '" + request.getName() + "' is already enrolled in environment '"
                    + env + "'; delete it first or choose another name");
        }
        Schedule schedule = cache.schedule(env); // before the token's lock: a cache miss reads the database
        UUID nodeId = UUID.randomUUID();
        String credential = Secrets.generate(CREDENTIAL_PREFIX);
        String endpoint = request.getPushEndpoint().isBlank() ? null : request.getPushEndpoint();
        nodes.saveAndFlush(new Node(
                nodeId,
                request.getName(),
                env,
                request.getLabelsMap(),
                endpoint,
                Secrets.hash(credential),
                request.getAgentVersion(),
                clock.instant()));
        String actor = "agent:" + request.getName();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("name", request.getName());
        details.put("environment", env);
        details.put("labels", request.getLabelsMap());
        details.put("pushEndpoint", endpoint == null ? "" : endpoint);
        details.put("enrollmentTokenId", token.getId().toString());
        audit.recordAs(actor, "node.enroll", "node/" + nodeId, details);
        tokens.claimUse(token, nodeId, actor); // last: it holds the token's row lock until commit
        return EnrollResponse.newBuilder()
                .setNodeId(nodeId.toString())
                .setEnvironment(env)
                .setNodeCredential(credential)
                .setSessionToken(sessionTokens.forNode(nodeId))
                .setSchedule(schedule)
                .build();
    }

    private static void validate(EnrollRequest r) {
        if (r.getToken().isBlank()) {
            throw InvalidInputException.field("token", "is required");
        }
        if (!Names.isName(r.getName())) {
            throw InvalidInputException.field("name", Names.NAME_RULE);
        }
        if (r.getLabelsCount() > 64) {
            throw InvalidInputException.field("labels", "must have at most 64 labels");
        }
        r.getLabelsMap().forEach((k, v) -> {
            if (!Names.isLabelKey(k) || v.length() > 255) {
                throw InvalidInputException.field(
                        "labels." + k, "keys are 1-63 letters, digits, '.', '_', '-'; values at most 255 characters");
            }
        });
        String endpoint = r.getPushEndpoint();
        if (!endpoint.isBlank() && !endpoint.matches("^[A-Za-z0-9.\\-\\[\\]:]{1,250}:[0-9]{1,5}$")) {
            throw InvalidInputException.field("push_endpoint", "must be host:port");
        }
        if (r.getAgentVersion().length() > 64) {
            throw InvalidInputException.field("agent_version", "must be at most 64 characters");
        }
    }
}
