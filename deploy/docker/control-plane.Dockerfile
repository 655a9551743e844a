# Control plane image. Build the jar first: ./mvnw -DskipTests package
FROM eclipse-temurin:21-jre
RUN useradd --system --home /var/lib/tide tide && mkdir -p /var/lib/tide && chown tide /var/lib/tide
COPY control-plane/target/tide-control-plane.jar /opt/tide/tide-control-plane.jar
USER tide
ENV TIDE_DATA_DIR=/var/lib/tide
EXPOSE 8080 9090
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/tide/tide-control-plane.jar"]
