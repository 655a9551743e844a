package dev.tide.controlplane.security;

/**
 * A user's password, role or enabled flag changed, or the user was deleted: whatever was
 * remembered about their credentials or their sessions' rights is stale. Published inside the
 * changing transaction; listeners act after it commits.
 */
record UserChanged(String name) {}
