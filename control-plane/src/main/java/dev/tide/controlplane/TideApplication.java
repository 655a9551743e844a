package dev.tide.controlplane;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The Tide control plane: REST API, web console, agent gateway and push dispatcher. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class TideApplication {
    public static void main(String[] args) {
        SpringApplication.run(TideApplication.class, args);
    }
}
