package dev.tide.agent;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The agent's own version, stamped into the jar at build time. */
public final class AgentVersion {
    private static final String VERSION = load();

    private AgentVersion() {}

    public static String get() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = AgentVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "dev";
            }
            Properties properties = new Properties();
            properties.load(in);
            String version = properties.getProperty("version", "dev");
            return version.startsWith("@") ? "dev" : version;
        } catch (IOException e) {
            return "dev";
        }
    }
}
