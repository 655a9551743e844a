package dev.tide.controlplane.console;

import dev.tide.controlplane.environment.EnrollmentTokenService;

/** The enrollment-token form on an environment's page; an empty number takes the API's default. */
public class EnrollmentTokenForm {
    private Integer ttlMinutes = 60;
    private Integer maxUses = EnrollmentTokenService.DEFAULT_MAX_USES;
    private String description = "";

    public Integer getTtlMinutes() {
        return ttlMinutes;
    }

    public void setTtlMinutes(Integer ttlMinutes) {
        this.ttlMinutes = ttlMinutes;
    }

    public Integer getMaxUses() {
        return maxUses;
    }

    public void setMaxUses(Integer maxUses) {
        this.maxUses = maxUses;
    }

    public String getDescription() {
        return description;
    }

    public void setDescription(String description) {
        this.description = description;
    }
}
