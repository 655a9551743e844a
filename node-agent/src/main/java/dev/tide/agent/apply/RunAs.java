package dev.tide.agent.apply;

import dev.tide.agent.supervise.AppUser;
import dev.tide.proto.agent.v1.AppRelease;
import java.io.IOException;
import java.util.Optional;

/**
 * Decides who a release's processes run as. Without {@code run_as}, or when it names the agent's
 * own user, as the agent; otherwise as that user, which only a root agent can do: a release an
 * agent cannot honour fails rather than running with more rights than it asked for.
 */
public final class RunAs {
    /** Looks a user up in the system's user database. */
    @FunctionalInterface
    interface Users {
        Optional<AppUser> lookup(String name) throws IOException;
    }

    private final String agentUser;
    private final boolean agentIsRoot;
    private final Users users;

    RunAs(String agentUser, boolean agentIsRoot, Users users) {
        this.agentUser = agentUser;
        this.agentIsRoot = agentIsRoot;
        this.users = users;
    }

    /** The user this JVM runs as. */
    public static RunAs system() {
        String name;
        boolean root;
        try {
            com.sun.security.auth.module.UnixSystem unix = new com.sun.security.auth.module.UnixSystem();
            name = unix.getUsername();
            root = unix.getUid() == 0;
        } catch (LinkageError | RuntimeException notUnix) {
            name = System.getProperty("user.name");
            root = "root".equals(name);
        }
        return new RunAs(name, root, AppUser::lookup);
    }

    /** The user to switch to, or null to run as the agent. */
    AppUser userFor(AppRelease release) throws ApplyException {
        String name = release.getRunAs();
        String what = release.getApplication() + "@" + release.getVersion();
        if (name.isEmpty() || name.equals(agentUser)) {
            return null;
        }
        if (!AppUser.NAME.matcher(name).matches()) {
            throw new ApplyException(
                    what + ": invalid run_as '" + name + "' (allowed: " + AppUser.NAME.pattern() + ")");
        }
        if (!agentIsRoot) {
            throw new ApplyException(what + " must run as " + name + ", but the agent runs as " + agentUser
                    + ", not root, and can only start applications as itself");
        }
        try {
            return users.lookup(name)
                    .orElseThrow(
                            () -> new ApplyException(what + " must run as " + name + ": no such user on this node"));
        } catch (IOException e) {
            throw new ApplyException(what + ": cannot look up user " + name + ": " + e.getMessage(), e);
        }
    }
}
