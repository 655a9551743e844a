package dev.tide.controlplane.environment;

/** Published after any committed change of an environment's settings (mode included). */
public record EnvironmentSettingsChanged(String environment) {}
