package dev.tide.controlplane.environment;

/** Published after a committed mode switch, for the delivery side to take over or hand off. */
public record EnvironmentModeChanged(String environment, DeliveryMode from, DeliveryMode to) {}
