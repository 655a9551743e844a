package dev.tide.agent.supervise;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A local user a release's processes run as (its {@code run_as}), as the system's user database
 * knows it.
 *
 * @param name login name
 * @param uid user id
 * @param gid primary group id
 * @param home home directory, given to the app as HOME
 */
public record AppUser(String name, long uid, long gid, String home) {
    /** POSIX login names as the control plane accepts them (the same rule, kept in both places). */
    public static final Pattern NAME = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");

    /** Looks {@code name} up with {@code getent passwd}, so NSS sources (LDAP, sssd) count too. */
    public static Optional<AppUser> lookup(String name) throws IOException {
        if (!NAME.matcher(name).matches()) {
            return Optional.empty();
        }
        Process p = new ProcessBuilder("getent", "passwd", name)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                throw new IOException("getent passwd " + name + " did not finish");
            }
            if (p.exitValue() != 0) {
                return Optional.empty(); // 2: no such user
            }
            String[] f = out.split(":", -1);
            if (f.length < 7 || !f[0].equals(name)) {
                throw new IOException("unexpected answer from getent passwd " + name + ": " + out);
            }
            return Optional.of(new AppUser(name, Long.parseLong(f[2]), Long.parseLong(f[3]), f[5]));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while looking up user " + name, e);
        } catch (NumberFormatException e) {
            throw new IOException("unexpected answer from getent passwd " + name, e);
        } finally {
            p.destroyForcibly();
        }
    }
}
