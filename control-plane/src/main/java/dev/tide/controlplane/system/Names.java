package dev.tide.controlplane.system;

import java.util.regex.Pattern;

/** The shapes of the identifiers users choose: names, versions, label keys. */
public final class Names {
    /** Environments, nodes, applications, users, tokens: DNS-label-like, 1-63 characters. */
    public static final String NAME_REGEX = "^[a-z0-9][a-z0-9_.-]{0,62}$";

    public static final String NAME_RULE =
            "must be 1-63 characters of lower-case letters, digits, '.', '_' or '-', starting with a letter or digit";

    /** Release versions: 1-64 characters, no spaces or slashes (they become folder names on nodes). */
    public static final String VERSION_REGEX = "^[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}$";

    public static final String VERSION_RULE =
            "must be 1-64 characters of letters, digits, '.', '_', '+' or '-', starting with a letter or digit";

    private static final Pattern NAME = Pattern.compile(NAME_REGEX);
    private static final Pattern VERSION = Pattern.compile(VERSION_REGEX);
    private static final Pattern LABEL_KEY = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$");

    private Names() {}

    public static boolean isName(String value) {
        return value != null && NAME.matcher(value).matches();
    }

    public static boolean isVersion(String value) {
        return value != null && VERSION.matcher(value).matches();
    }

    public static boolean isLabelKey(String value) {
        return value != null && LABEL_KEY.matcher(value).matches();
    }

    /** Throws an {@link InvalidInputException} naming {@code field} unless {@code value} is a name. */
    public static String requireName(String field, String value) {
        if (!isName(value)) {
            throw InvalidInputException.field(field, NAME_RULE);
        }
        return value;
    }
}
