package dev.tide.controlplane.console;

import java.util.ArrayList;
import java.util.List;

/** The new-application form; dependencies are ticked from the existing applications. */
public class ApplicationForm {
    private String name;
    private String description = "";
    private List<String> dependsOn = new ArrayList<>();

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name == null ? null : name.trim();
    }

    public String getDescription() {
        return description;
    }

    public void setDescription(String description) {
        this.description = description;
    }

    public List<String> getDependsOn() {
        return dependsOn;
    }

    public void setDependsOn(List<String> dependsOn) {
        this.dependsOn = dependsOn == null ? new ArrayList<>() : dependsOn;
    }

    static String fieldOf(String serviceField) {
        return serviceField.startsWith("dependsOn") ? "dependsOn" : serviceField;
    }
}
