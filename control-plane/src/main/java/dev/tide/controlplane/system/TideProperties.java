package dev.tide.controlplane.system;

import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Settings that are not specific to one feature ({@code tide.*}).
 *
 * @param dataDir where the control plane keeps its files: the embedded database, artifacts and
 *     the generated admin password ({@code TIDE_DATA_DIR})
 * @param adminPassword password of the first {@code admin} user, used only when no user exists
 *     yet; generated when empty ({@code TIDE_ADMIN_PASSWORD})
 */
@Validated
@ConfigurationProperties("tide")
public record TideProperties(
        @NotNull @DefaultValue(".tide/control-plane") Path dataDir, String adminPassword) {}
