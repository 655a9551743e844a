package dev.tide.controlplane.delivery;

import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.environment.EnrollmentToken;
import dev.tide.controlplane.environment.EnrollmentTokenService;
import dev.tide.controlplane.node.Node;
import dev.tide.controlplane.node.NodeRepository;
import dev.tide.controlplane.pki.ControlPlanePki;
import dev.tide.controlplane.releasekey.ReleaseKeyService;
import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.Names;
import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.proto.agent.v1.Schedule;
import dev.tide.security.Fingerprints;
import dev.tide.security.Pem;
import dev.tide.security.ca.CertificateAuthority;
import dev.tide.security.release.ReleaseKeySet;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Turns one use of an enrollment token and a certificate request into a node with its own
 * certificate, and renews nodes' certificates. The node's key never leaves the node: only its
 * request (CSR) does.
 */
@Service
class EnrollmentService {
    private final EnrollmentTokenService tokens;
    private final NodeRepository nodes;
    private final ControlPlanePki pki;
    private final DesiredStateCache cache;
    private final ReleaseKeyService releaseKeys;
    private final AuditService audit;
    private final ApplicationEventPublisher events;
    private final Clock clock;

    EnrollmentService(
            EnrollmentTokenService tokens,
            NodeRepository nodes,
            ControlPlanePki pki,
            DesiredStateCache cache,
            ReleaseKeyService releaseKeys,
            AuditService audit,
            ApplicationEventPublisher events,
            Clock clock) {
        this.tokens = tokens;
        this.nodes = nodes;
        this.pki = pki;
        this.cache = cache;
        this.releaseKeys = releaseKeys;
        this.audit = audit;
        this.events = events;
        this.clock = clock;
    }

    /**
     * Checks the token, writes the node and its audit event, and only then takes a use of the
     * token: enrollments with one multi-use token queue on its row lock, so that lock should be
     * held for the commit only. A refusal at that point rolls the node back.
     *
     * <p>The same request again (same token, name and key: a retry after the reply was lost) gets
     * the node it made and a fresh certificate, and takes no second use of the token. That holds
     * when the retry arrives while the first is still being handled (an agent whose call timed out
     * on a busy control plane): enrollments under one name wait for each other, so the retry sees
     * the first one's node instead of racing it into a duplicate.
     */
    @Transactional
    public EnrollResponse enroll(EnrollRequest request) {
        validate(request);
        PublicKey key = requestedKey(request.getCsr().toByteArray());
        String keyHash = Fingerprints.sha256(key.getEncoded());
        nodes.lockEnrollment(request.getName());
        Optional<EnrollResponse> retried = retry(request, keyHash, key);
        if (retried.isPresent()) {
            return retried.get();
        }
        EnrollmentToken token = tokens.usable(request.getToken());
        String env = token.getEnvironment();
        if (token.getNodeName() != null && !token.getNodeName().equals(request.getName())) {
            throw new AccessDeniedException("the enrollment token enrolls node '" + token.getNodeName()
                    + "' only; start the agent with --name " + token.getNodeName());
        }
        String endpoint = request.getPushEndpoint().isBlank() ? null : request.getPushEndpoint();
        Optional<Node> existing = nodes.findByEnvironmentAndName(env, request.getName());
        if (existing.isPresent()) {
            if (token.getNodeName() == null) {
                throw new ConflictException(alreadyEnrolled(env, request.getName()));
            }
            return reenroll(existing.get(), token, request, endpoint, key, keyHash);
        }
        Schedule schedule = cache.schedule(env); // before the token's lock: a cache miss reads the database
        UUID nodeId = UUID.randomUUID();
        Node node = new Node(
                nodeId,
                request.getName(),
                env,
                request.getLabelsMap(),
                endpoint,
                token.getId(),
                request.getAgentVersion(),
                clock.instant());
        List<X509Certificate> chain = issue(node, key, keyHash);
        nodes.saveAndFlush(node);
        // Read after the node row is written: a key set replaced meanwhile either waited for this
        // node (and reaches it as desired state) or is the one read here.
        Optional<ReleaseKeySet.Signed> keys = releaseKeys.current(env);
        String actor = "agent:" + request.getName();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("name", request.getName());
        details.put("environment", env);
        details.put("labels", request.getLabelsMap());
        details.put("pushEndpoint", endpoint == null ? "" : endpoint);
        details.put("enrollmentTokenId", token.getId().toString());
        details.put("certificateSerial", chain.get(0).getSerialNumber().toString(16));
        details.put("publicKeySha256", keyHash);
        audit.recordAs(actor, "node.enroll", "node/" + nodeId, details);
        tokens.claimUse(token, nodeId, actor); // last: it holds the token's row lock until commit
        return response(node, schedule, chain, keys);
    }

    /** Published when a node enrolled again; its older certificates are refused once this commits. */
    record NodeReenrolled(UUID nodeId) {}

    /**
     * The node {@code node} enrolled again with a token made for it: same id, desired state and
     * history; the new agent's labels, endpoint and key; every certificate issued before this one
     * refused from the commit on (by its notBefore, which has a one-second resolution).
     */
    private EnrollResponse reenroll(
            Node node, EnrollmentToken token, EnrollRequest request, String endpoint, PublicKey key, String keyHash) {
        Schedule schedule = cache.schedule(node.getEnvironment());
        String previousKey = node.getPublicKeySha256();
        List<X509Certificate> chain = issue(node, key, keyHash);
        node.reenrolled(
                token.getId(),
                request.getLabelsMap(),
                endpoint,
                request.getAgentVersion(),
                chain.get(0).getNotBefore().toInstant(),
                clock.instant());
        nodes.saveAndFlush(node);
        Optional<ReleaseKeySet.Signed> keys = releaseKeys.current(node.getEnvironment());
        String actor = "agent:" + request.getName();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("name", request.getName());
        details.put("environment", node.getEnvironment());
        details.put("labels", request.getLabelsMap());
        details.put("pushEndpoint", endpoint == null ? "" : endpoint);
        details.put("enrollmentTokenId", token.getId().toString());
        details.put("certificateSerial", chain.get(0).getSerialNumber().toString(16));
        details.put("publicKeySha256", keyHash);
        details.put("previousPublicKeySha256", previousKey == null ? "" : previousKey);
        audit.recordAs(actor, "node.reenroll", "node/" + node.getId(), details);
        events.publishEvent(new NodeReenrolled(node.getId()));
        tokens.claimUse(token, node.getId(), actor); // last: it holds the token's row lock until commit
        return response(node, schedule, chain, keys);
    }

    /** Why a plain token cannot enroll a name that exists, and the operator's two ways on. */
    static String alreadyEnrolled(String env, String name) {
        return "a node named '" + name + "' is already enrolled in environment '" + env + "'. To enroll this agent"
                + " as that node again (its data dir was lost, or the machine replaced), start it with a token made for"
                + " the node: tide env tokens create " + env + " --node " + name
                + " (POST /api/v1/environments/" + env + "/enrollment-tokens {\"node\":\"" + name + "\"});"
                + " to enroll it as a new node instead, remove the old one first: tide node remove " + name + " -e "
                + env + " (DELETE /api/v1/nodes/{id}), or choose another --name";
    }

    /**
     * A new certificate for an enrolled node's new key. Called with the node's current (valid)
     * certificate; the old certificate stays valid until it expires.
     */
    @Transactional
    public List<X509Certificate> renew(UUID nodeId, byte[] csr) {
        PublicKey key = requestedKey(csr);
        Node node = nodes.findById(nodeId)
                .orElseThrow(() -> new dev.tide.controlplane.system.NotFoundException("node", nodeId));
        String keyHash = Fingerprints.sha256(key.getEncoded());
        List<X509Certificate> chain = issue(node, key, keyHash);
        audit.recordAs(
                "agent:" + node.getName(),
                "node.certificate.renew",
                "node/" + nodeId,
                Map.of(
                        "certificateSerial", chain.get(0).getSerialNumber().toString(16),
                        "publicKeySha256", keyHash,
                        "expiresAt", chain.get(0).getNotAfter().toInstant().toString()));
        return chain;
    }

    private Optional<EnrollResponse> retry(EnrollRequest request, String keyHash, PublicKey key) {
        Optional<EnrollmentToken> token = tokens.find(request.getToken());
        Optional<Node> existing =
                token.flatMap(t -> nodes.findByEnvironmentAndName(t.getEnvironment(), request.getName()));
        if (existing.isEmpty()
                || token.get().getRevokedAt() != null
                || !token.get().getId().equals(existing.get().getEnrollmentTokenId())
                || !keyHash.equals(existing.get().getPublicKeySha256())) {
            return Optional.empty();
        }
        Node node = existing.get();
        List<X509Certificate> chain = issue(node, key, keyHash);
        audit.recordAs(
                "agent:" + node.getName(),
                "node.enroll.retry",
                "node/" + node.getId(),
                Map.of("certificateSerial", chain.get(0).getSerialNumber().toString(16)));
        return Optional.of(response(
                node, cache.schedule(node.getEnvironment()), chain, releaseKeys.current(node.getEnvironment())));
    }

    private List<X509Certificate> issue(Node node, PublicKey key, String keyHash) {
        List<X509Certificate> chain = pki.issueNode(node.getId(), node.getName(), key);
        node.certificateIssued(keyHash, chain.get(0).getNotAfter().toInstant());
        return chain;
    }

    /** The answer, with the environment's release keys (if it has any) for the agent to pin. */
    private EnrollResponse response(
            Node node, Schedule schedule, List<X509Certificate> chain, Optional<ReleaseKeySet.Signed> keys) {
        EnrollResponse.Builder b = EnrollResponse.newBuilder()
                .setNodeId(node.getId().toString())
                .setEnvironment(node.getEnvironment())
                .setSchedule(schedule)
                .setCertificateChainPem(Pem.certificates(chain))
                .setCaCertificatePem(Pem.certificates(List.of(pki.caCertificate())));
        keys.ifPresent(k -> b.setReleaseKeys(DesiredStateMapper.releaseKeys(k)));
        return b.build();
    }

    private static PublicKey requestedKey(byte[] csr) {
        try {
            return CertificateAuthority.verifyRequest(csr);
        } catch (CertificateAuthority.InvalidRequestException e) {
            throw InvalidInputException.field("csr", "the certificate request " + e.getMessage());
        }
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
        PushEndpoints.check(r.getPushEndpoint());
        if (r.getAgentVersion().length() > 64) {
            throw InvalidInputException.field("agent_version", "must be at most 64 characters");
        }
    }
}
