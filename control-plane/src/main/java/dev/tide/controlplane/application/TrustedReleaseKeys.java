package dev.tide.controlplane.application;

import java.util.Optional;

/**
 * The release keys environments trust, as releases need them: a release may only be signed with
 * a key that some environment's current key set holds. Implemented where key sets are kept, so
 * that this package does not depend on it.
 */
public interface TrustedReleaseKeys {
    /** The public key (X.509 DER) with this id, if any environment's current key set trusts it. */
    Optional<byte[]> publicKey(String keyId);
}
