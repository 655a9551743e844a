package dev.tide.security;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Who a certificate speaks for, written as a URI subject alternative name: {@code
 * urn:tide:control-plane} for the control plane, {@code urn:tide:node:<uuid>} for one node. Every
 * end of a Tide connection checks this name, never a host name: the same CA signs the control plane
 * and every node, so "signed by the CA" alone would let any node pose as the control plane.
 */
public record PeerIdentity(Kind kind, UUID nodeId) {
    public enum Kind {
        CONTROL_PLANE,
        NODE
    }

    public static final String CONTROL_PLANE_URI = "urn:tide:control-plane";
    public static final String NODE_URI_PREFIX = "urn:tide:node:";
    private static final int URI_NAME = 6;

    public PeerIdentity {
        if ((kind == Kind.NODE) != (nodeId != null)) {
            throw new IllegalArgumentException("a node identity has a node id, the control plane's has none");
        }
    }

    public static PeerIdentity controlPlane() {
        return new PeerIdentity(Kind.CONTROL_PLANE, null);
    }

    public static PeerIdentity node(UUID nodeId) {
        return new PeerIdentity(Kind.NODE, nodeId);
    }

    public boolean isControlPlane() {
        return kind == Kind.CONTROL_PLANE;
    }

    public boolean isNode() {
        return kind == Kind.NODE;
    }

    public String uri() {
        return kind == Kind.CONTROL_PLANE ? CONTROL_PLANE_URI : NODE_URI_PREFIX + nodeId;
    }

    /** The one Tide identity a certificate names; empty if it names none, or more than one. */
    public static Optional<PeerIdentity> of(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (names == null) {
            return Optional.empty();
        }
        PeerIdentity found = null;
        for (List<?> name : names) {
            if (name.size() < 2 || !(name.get(0) instanceof Integer type) || type != URI_NAME) {
                continue;
            }
            Optional<PeerIdentity> parsed = parse(String.valueOf(name.get(1)));
            if (parsed.isPresent()) {
                if (found != null) {
                    return Optional.empty(); // ambiguous: refuse rather than pick one
                }
                found = parsed.get();
            }
        }
        return Optional.ofNullable(found);
    }

    public static Optional<PeerIdentity> parse(String uri) {
        if (CONTROL_PLANE_URI.equals(uri)) {
            return Optional.of(controlPlane());
        }
        if (uri.startsWith(NODE_URI_PREFIX)) {
            try {
                UUID id = UUID.fromString(uri.substring(NODE_URI_PREFIX.length()));
                if (id.toString().equals(uri.substring(NODE_URI_PREFIX.length()))) {
                    return Optional.of(node(id));
                }
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return uri();
    }
}
