# Agent image (a JDK, so Java example apps can run from source). Build the jar first.
FROM eclipse-temurin:21-jdk
RUN useradd --system --home /var/lib/tide-agent tide && mkdir -p /var/lib/tide-agent && chown tide /var/lib/tide-agent
COPY node-agent/target/tide-agent.jar /opt/tide/tide-agent.jar
COPY --chmod=0755 node-agent/src/main/dist/tide-agent /opt/tide/bin/tide-agent
USER tide
EXPOSE 7070
# The launcher runs the jar with the JVM flags of docs/configuration.md, "The agent's JVM flags" (as the
# systemd unit does), and starts the agent again in a new version after a self-upgrade, which is kept
# in the data volume (docs/agent-upgrades.md).
ENTRYPOINT ["/opt/tide/bin/tide-agent", "--data-dir", "/var/lib/tide-agent", "--listen", "0.0.0.0:7070"]
