package dev.tide.controlplane.application;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-node placeholders a release may use in env values, config files and health-check
 * ports: {@code ${node.name}}, {@code ${node.label.KEY}}, {@code ${environment.name}}. The
 * agent resolves them; here they are only checked for shape.
 */
final class Placeholders {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([^}]*)}");
    private static final Pattern KNOWN =
            Pattern.compile("node\\.name|environment\\.name|node\\.label\\.[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    /** The rule in words, for values that must not be quoted back (secrets). */
    static final String RULE = "may use '${' only for ${node.name}, ${node.label.KEY} or ${environment.name}";

    private Placeholders() {}

    /** Why {@code value} is not acceptable, or empty when every placeholder in it is known. */
    static Optional<String> problem(String value) {
        Matcher m = PLACEHOLDER.matcher(value);
        int searched = 0;
        while (m.find()) {
            if (value.substring(searched, m.start()).contains("${")) {
                return Optional.of("has an unterminated placeholder");
            }
            if (!KNOWN.matcher(m.group(1)).matches()) {
                return Optional.of("uses unknown placeholder ${" + m.group(1)
                        + "}; known: ${node.name}, ${node.label.KEY}, ${environment.name}");
            }
            searched = m.end();
        }
        return value.substring(searched).contains("${")
                ? Optional.of("has an unterminated placeholder")
                : Optional.empty();
    }

    static boolean isPlaceholder(String value) {
        return PLACEHOLDER.matcher(value).matches();
    }
}
