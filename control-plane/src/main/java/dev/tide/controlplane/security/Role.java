package dev.tide.controlplane.security;

/** What a user (and the API tokens they own) may do. Each role includes the ones below it. */
public enum Role {
    /** Reads everything. */
    VIEWER,
    /** Also uploads artifacts, creates releases and deployments. */
    DEPLOYER,
    /** Also manages environments, applications, enrollment tokens, nodes and users. */
    ADMIN;

    /** Spring Security authorities: the role and every role it includes. */
    public String[] authorities() {
        return java.util.Arrays.stream(values())
                .filter(r -> r.ordinal() <= ordinal())
                .map(r -> "ROLE_" + r.name())
                .toArray(String[]::new);
    }
}
