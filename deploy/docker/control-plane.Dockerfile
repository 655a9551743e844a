# Control plane image. Build the jar first: ./mvnw -DskipTests package
FROM eclipse-temurin:21-jre
# A fixed, numeric uid: Kubernetes can check runAsNonRoot only against a numeric USER, and
# deploy/k8s/control-plane.yaml runs the pod as this uid (its volume is group-owned by it).
RUN groupadd --system --gid 10001 tide \
    && useradd --system --uid 10001 --gid 10001 --home /var/lib/tide tide \
    && mkdir -p /var/lib/tide && chown tide:tide /var/lib/tide
COPY control-plane/target/tide-control-plane.jar /opt/tide/tide-control-plane.jar
COPY --chmod=0755 control-plane/src/main/dist/tide-control-plane /opt/tide/bin/tide-control-plane
USER 10001:10001
# Artifacts, a generated admin password and the launch cache (launch/: the jar unpacked and the
# class archive its first run writes, which halves later starts): mount a volume here.
ENV TIDE_DATA_DIR=/var/lib/tide
ENV TIDE_CONTROL_PLANE_JAVA_OPTS=-XX:MaxRAMPercentage=75
EXPOSE 8080 9090
ENTRYPOINT ["/opt/tide/bin/tide-control-plane"]
