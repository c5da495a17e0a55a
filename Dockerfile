# syntax=docker/dockerfile:1
# The one Conveyor image for every role: `docker run IMAGE api` (the default) or `docker run IMAGE worker`.
# Build: docker build -t conveyor:local .   (DockerfileTest checks this file against the build on every `mvnw verify`.)

# --- build: the Maven wrapper on a JDK, exactly as on a developer's machine ---
FROM eclipse-temurin:21-jdk AS build
WORKDIR /src
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
COPY handler-api/ handler-api/
COPY common/ common/
COPY api/ api/
COPY worker/ worker/
COPY app/ app/
COPY examples/ examples/
# The benchmark module only so that Maven finds every module of pom.xml; it is neither built nor shipped here.
COPY bench/ bench/
# Tests need PostgreSQL and Kafka and run in CI (`./mvnw verify`), not here. The cache mount keeps downloaded
# dependencies between builds without putting them in a layer.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B --no-transfer-progress package -Dmaven.test.skip=true -pl app -am

# --- run: a JRE and the shaded jar, as an unprivileged user ---
FROM eclipse-temurin:21-jre
RUN groupadd --system --gid 10001 conveyor \
 && useradd --system --uid 10001 --gid conveyor --home-dir /app --no-create-home --shell /usr/sbin/nologin conveyor
WORKDIR /app
COPY --from=build /src/app/target/conveyor.jar /app/conveyor.jar
# Numeric, so that a runtime which checks "runAsNonRoot" can tell without reading /etc/passwd.
USER 10001:10001
# A worker serves its metrics and health here (the api role ignores it and serves them on its own port).
ENV CONVEYOR_METRICS_PORT=9464
EXPOSE 8080 8000 9464
# Whichever role runs answers: the API on its port, else a worker on its metrics port. Liveness only: readiness
# (Kafka and PostgreSQL answer) is GET /health/ready, which docker-compose.yml's healthchecks ask.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["bash", "-c", "for port in ${CONVEYOR_API_PORT:-8080} ${CONVEYOR_METRICS_PORT:-9464}; do (exec 3<>/dev/tcp/127.0.0.1/$port && printf 'GET /health/live HTTP/1.0\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 ') 2>/dev/null && exit 0; done; exit 1"]
# One JVM per container: the heap follows the container's memory limit, and a job that exhausts it takes the worker
# down at once (Docker's restart policy starts a fresh one), as with the JVMs that `worker --processes` forks.
# More JVM options: JDK_JAVA_OPTIONS, e.g. -e JDK_JAVA_OPTIONS=-Xmx2g.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-Xms16m", "-XX:G1PeriodicGCInterval=3000", "-jar", "/app/conveyor.jar"]
CMD ["api"]
