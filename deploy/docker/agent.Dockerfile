# Agent image (a JDK, so Java example apps can run from source). Build the jar first.
FROM eclipse-temurin:21-jdk
RUN useradd --system --home /var/lib/tide-agent tide && mkdir -p /var/lib/tide-agent && chown tide /var/lib/tide-agent
COPY node-agent/target/tide-agent.jar /opt/tide/tide-agent.jar
USER tide
EXPOSE 7070
# JVM flags: docs/configuration.md, "The agent's JVM flags" (the same in the systemd unit and ./tide demo).
ENTRYPOINT ["java", "-Xmx128m", "-Xmn8m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Dio.grpc.netty.shaded.io.netty.allocator.type=unpooled", "-jar", "/opt/tide/tide-agent.jar", "--data-dir", "/var/lib/tide-agent", "--listen", "0.0.0.0:7070"]
