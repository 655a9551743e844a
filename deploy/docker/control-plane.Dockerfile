# Control plane image. Build the jar first: ./mvnw -DskipTests package
FROM eclipse-temurin:21-jre
# A fixed, numeric uid: Kubernetes can check runAsNonRoot only against a numeric USER, and
# deploy/k8s/control-plane.yaml runs the pod as this uid (its volume is group-owned by it).
RUN groupadd --system --gid 10001 tide \
    && useradd --system --uid 10001 --gid 10001 --home /var/lib/tide tide \
    && mkdir -p /var/lib/tide && chown tide:tide /var/lib/tide
COPY control-plane/target/tide-control-plane.jar /opt/tide/tide-control-plane.jar
USER 10001:10001
# Artifacts, the agents' CA (pki/) and a generated admin password: mount a volume here.
ENV TIDE_DATA_DIR=/var/lib/tide
EXPOSE 8080 9090
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/tide/tide-control-plane.jar"]
