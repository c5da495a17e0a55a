package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.conveyor.api.ApiSettings;
import io.conveyor.app.ComposeFile.PortMapping;
import io.conveyor.app.testing.DockerServices;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Env;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.TopicReplication;
import io.conveyor.worker.process.WorkerSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.entry;

/**
 * docker-compose.yml, checked against the code without a Docker engine: the variables it sets are ones the roles read
 * and make valid settings, the ports are the defaults, workers can be scaled, every service waits for healthy
 * dependencies, and Kafka and PostgreSQL are reachable at the addresses the roles are given.
 */
class ComposeFileTest {

    private static final String KAFKA = "kafka";
    private static final String POSTGRES = "postgres";
    private static final String API = "api";
    private static final String WORKER = "worker";
    private static final String PROMETHEUS = "prometheus";
    private static final String GRAFANA = "grafana";
    private static final Pattern METRIC = Pattern.compile("conveyor_[a-z_]+");
    private static final String API_HA = "api-ha";
    private static final String WORKER_HA = "worker-ha";
    private static final List<String> HA_BROKERS = List.of("kafka-1", "kafka-2", "kafka-3");
    private static final List<String> CONVEYOR_SERVICES = List.of(API, WORKER, API_HA, WORKER_HA);
    /** What a service of the ha profile may differ in from its single-broker twin. */
    private static final List<String> HA_DIFFERENCES = List.of("environment", "depends_on", "profiles", "networks");
    /** {@code PLAINTEXT://kafka:9092} */
    private static final Pattern LISTENER = Pattern.compile("([A-Z_]+)://([^:,]*):(\\d+)");

    private final ComposeFile compose = ComposeFile.load();

    @Test
    void hasKafkaPostgresApiAndWorkerAndPrometheusAndGrafanaInTheMonitoringProfileAndThreeBrokersInTheHaProfile() {
        assertThat(compose.serviceNames()).containsExactlyInAnyOrder(KAFKA, POSTGRES, API, WORKER, PROMETHEUS, GRAFANA,
                "kafka-1", "kafka-2", "kafka-3", API_HA, WORKER_HA);
        for (String service : List.of(KAFKA, POSTGRES, API, WORKER)) {
            assertThat(compose.service(service).has("profiles")).as("%s starts without a profile", service).isFalse();
        }
        for (String service : List.of(PROMETHEUS, GRAFANA)) {
            assertThat(compose.service(service).path("profiles").toString()).as("profiles of %s", service).isEqualTo("[\"monitoring\"]");
        }
        for (String service : List.of("kafka-1", "kafka-2", "kafka-3", API_HA, WORKER_HA)) {
            assertThat(compose.service(service).path("profiles").toString()).as("profiles of %s", service).isEqualTo("[\"ha\"]");
        }
    }

    /** Three KRaft nodes, each broker and controller, voters of one quorum, each advertising the name it has on the network. */
    @Test
    void theHaProfileRunsThreeKraftNodesOfOneQuorum() {
        Map<String, String> first = compose.environment(HA_BROKERS.getFirst());
        String controllerListener = first.get("KAFKA_CONTROLLER_LISTENER_NAMES");
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < HA_BROKERS.size(); i++) {
            String broker = HA_BROKERS.get(i);
            Map<String, String> kafka = compose.environment(broker);
            String controllerPort = listeners(kafka.get("KAFKA_LISTENERS")).get(controllerListener).split(":")[1];
            voters.append(i == 0 ? "" : ",").append(kafka.get("KAFKA_NODE_ID")).append('@').append(broker).append(':').append(controllerPort);

            assertThat(kafka.get("KAFKA_NODE_ID")).as("node id of %s", broker).isEqualTo(Integer.toString(i + 1));
            assertThat(kafka.get("CLUSTER_ID")).as("cluster id of %s", broker).isEqualTo(first.get("CLUSTER_ID"));
            assertThat(kafka.get("KAFKA_PROCESS_ROLES").split(",")).as("roles of %s", broker).containsExactlyInAnyOrder("broker", "controller");
            assertThat(listeners(kafka.get("KAFKA_ADVERTISED_LISTENERS")).values()).as("what %s advertises", broker)
                    .containsExactly(broker + ":" + listeners(kafka.get("KAFKA_LISTENERS")).get("PLAINTEXT").split(":")[1]);
            assertThat(compose.volumes(broker)).as("volumes of %s", broker).containsValue(kafka.get("KAFKA_LOG_DIRS"));
            assertThat(compose.topLevelVolumes()).containsAll(compose.volumes(broker).keySet());
            assertThat(compose.service(broker).path("image").asText()).isEqualTo(compose.service(KAFKA).path("image").asText());
            assertThat(compose.healthcheckTest(broker)).as("healthcheck of %s", broker).isEqualTo(compose.healthcheckTest(KAFKA));
        }
        for (String broker : HA_BROKERS) {
            assertThat(compose.environment(broker).get("KAFKA_CONTROLLER_QUORUM_VOTERS")).as("voters of %s", broker).isEqualTo(voters.toString());
        }
        assertThat(HA_BROKERS.stream().map(broker -> compose.volumes(broker).keySet()).distinct()).as("each broker's own data volume").hasSize(3);
    }

    /** Every topic, Conveyor's and Kafka's own, on all three brokers, a write on two of them before it is acknowledged. */
    @Test
    void theHaBrokersKeepThreeReplicasOfEveryTopicAndTwoInSync() {
        for (String broker : HA_BROKERS) {
            assertThat(compose.environment(broker)).as("environment of %s", broker).contains(
                    entry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3"),
                    entry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "3"),
                    entry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "2"),
                    entry("KAFKA_DEFAULT_REPLICATION_FACTOR", "3"),
                    entry("KAFKA_MIN_INSYNC_REPLICAS", "2"),
                    entry("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false"));
        }
        for (String service : List.of(API_HA, WORKER_HA)) {
            TopicReplication replication = KafkaSettings.from(new Env(compose.environment(service))).replication();
            assertThat(replication.onCluster(HA_BROKERS.size())).as("replication of the topics %s creates", service)
                    .isEqualTo(TopicReplication.FOLLOW_THE_CLUSTER.onCluster(HA_BROKERS.size()))
                    .isEqualTo(new TopicReplication.Replicas((short) 3, OptionalInt.of(2)));
            assertThat(replication.factor()).as("%s states the factor: a broker late at the first start must not make it 2 for good", service)
                    .hasValue(HA_BROKERS.size());
        }
    }

    /** api-ha and worker-ha are api and worker, but for their brokers: the rest of this test holds for both. */
    @Test
    void theHaRolesAreTheSingleBrokerOnesOnAllThreeBrokers() {
        String bootstrap = String.join(",", HA_BROKERS.stream()
                .map(broker -> listeners(compose.environment(broker).get("KAFKA_ADVERTISED_LISTENERS")).get("PLAINTEXT")).toList());
        for (Map.Entry<String, String> twins : Map.of(API_HA, API, WORKER_HA, WORKER).entrySet()) {
            String ha = twins.getKey();
            String single = twins.getValue();
            Map<String, String> environment = new LinkedHashMap<>(compose.environment(ha));

            assertThat(environment.remove(KafkaSettings.BOOTSTRAP)).as("%s: bootstrap", ha).isEqualTo(bootstrap);
            environment.keySet().removeAll(List.of(TopicReplication.FACTOR, TopicReplication.MIN_INSYNC_REPLICAS));
            Map<String, String> singleEnvironment = new LinkedHashMap<>(compose.environment(single));
            singleEnvironment.remove(KafkaSettings.BOOTSTRAP);
            assertThat(environment).as("%s: the rest of its environment", ha).isEqualTo(singleEnvironment);
            assertThat(withoutHaDifferences(ha)).as("%s but for its environment, dependencies, profile and network", ha)
                    .isEqualTo(withoutHaDifferences(single));
            assertThat(compose.dependsOn(ha)).as("%s waits for", ha).containsOnlyKeys(List.of(POSTGRES, "kafka-1", "kafka-2", "kafka-3"));
            // Prometheus of the monitoring profile scrapes the names api and worker.
            assertThat(compose.service(ha).path("networks").path("default").path("aliases").toString()).as("%s: network aliases", ha)
                    .isEqualTo("[\"" + single + "\"]");
        }
    }

    private JsonNode withoutHaDifferences(String service) {
        ObjectNode copy = compose.service(service).deepCopy();
        copy.remove(HA_DIFFERENCES);
        return copy;
    }

    /** Prometheus scrapes the API's port and every worker container's metrics port, from files the repository holds. */
    @Test
    void prometheusScrapesTheApiAndEveryWorker() throws Exception {
        Map<String, String> mounts = compose.volumes(PROMETHEUS);
        assertThat(mounts).containsValue("/etc/prometheus/prometheus.yml");
        mounts.forEach((source, target) -> {
            if (source.startsWith("./")) {
                assertThat(ProjectFiles.path(source.substring(2))).as("%s mounted into prometheus", source).exists();
            }
        });
        String configFile = mounts.entrySet().stream().filter(mount -> mount.getValue().equals("/etc/prometheus/prometheus.yml"))
                .findFirst().orElseThrow().getKey().substring(2);
        JsonNode config = new ObjectMapper(new YAMLFactory()).readTree(ProjectFiles.read(configFile));
        int apiPort = ApiSettings.from(new Env(compose.environment(API))).port();
        int workerPort = WorkerSettings.from(new Env(compose.environment(WORKER))).metricsPort().orElseThrow();

        assertThat(config.path("scrape_configs").toString()).as("scrape configs")
                .contains("\"" + API + ":" + apiPort + "\"")
                .contains("\"names\":[\"" + WORKER + "\"]")
                .contains("\"port\":" + workerPort);
    }

    /** Grafana mounts the provisioning and the dashboard the repository holds, and the dashboard asks only for metrics the README lists. */
    @Test
    void grafanaShowsTheDashboardOfTheRepositoryOnConveyorsMetrics() throws Exception {
        Map<String, String> mounts = compose.volumes(GRAFANA);
        assertThat(mounts).containsValues("/etc/grafana/provisioning", "/var/lib/grafana/dashboards");
        mounts.keySet().stream().filter(source -> source.startsWith("./"))
                .forEach(source -> assertThat(ProjectFiles.path(source.substring(2))).as("%s mounted into grafana", source).exists());
        JsonNode dashboard = new ObjectMapper().readTree(ProjectFiles.read("deploy/monitoring/grafana/dashboards/conveyor.json"));
        Set<String> documented = new java.util.HashSet<>();
        MarkdownFile.read("README.md").table(List.of("metric", "where", "what")).orElseThrow()
                .forEach(row -> { Matcher name = METRIC.matcher(row.getFirst()); while (name.find()) { documented.add(name.group()); } });
        Set<String> queried = new java.util.HashSet<>();
        dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(target -> {
            Matcher name = METRIC.matcher(target.path("expr").asText());
            while (name.find()) {
                queried.add(name.group().replaceFirst("_(bucket|count|sum)$", ""));
            }
        }));

        assertThat(queried).as("metrics the dashboard queries").isNotEmpty().isSubsetOf(documented);
        assertThat(dashboard.path("panels").toString()).as("panels").contains("Throughput", "percentiles", "Queue depth", "Failures", "Workers alive");
    }

    @Test
    void conveyorServicesSetOnlyVariablesTheCodeReads() {
        Set<String> readByCode = ConfigurationVariables.read().keySet();
        for (String service : CONVEYOR_SERVICES) {
            assertThat(compose.environment(service).keySet()).as("variables %s sets", service)
                    .isSubsetOf(readByCode)
                    .doesNotContainAnyElementsOf(ConfigurationVariables.INTERNAL);
        }
    }

    @Test
    void conveyorServicesGetSettingsTheirRoleAccepts() {
        Env api = new Env(compose.environment(API));
        Env worker = new Env(compose.environment(WORKER));

        assertThatCode(() -> ApiSettings.from(api)).as("api settings").doesNotThrowAnyException();
        assertThatCode(() -> WorkerSettings.from(worker)).as("worker settings").doesNotThrowAnyException();
        for (Env env : List.of(api, worker)) {
            assertThatCode(() -> KafkaSettings.from(env)).as("Kafka settings").doesNotThrowAnyException();
            assertThatCode(() -> DatabaseSettings.from(env)).as("database settings").doesNotThrowAnyException();
        }
        assertThat(ApiSettings.from(api).usesDefaultIdSecret()).as("the api uses the built-in development id secret").isFalse();
    }

    @Test
    void apiAndWorkerShareTheirKafkaAndDatabaseSettings() {
        Env api = new Env(compose.environment(API));
        Env worker = new Env(compose.environment(WORKER));

        assertThat(KafkaSettings.from(worker)).isEqualTo(KafkaSettings.from(api));
        assertThat(DatabaseSettings.from(worker)).isEqualTo(DatabaseSettings.from(api));
        Env apiHa = new Env(compose.environment(API_HA));
        Env workerHa = new Env(compose.environment(WORKER_HA));
        assertThat(KafkaSettings.from(workerHa)).isEqualTo(KafkaSettings.from(apiHa));
        assertThat(DatabaseSettings.from(workerHa)).isEqualTo(DatabaseSettings.from(api));
    }

    @Test
    void apiAndWorkerRunRolesOfTheImageTheDockerfileBuilds() {
        Set<String> roles = new CommandLine(new ConveyorCommand()).getSubcommands().keySet();
        for (String service : CONVEYOR_SERVICES) {
            JsonNode build = compose.service(service).path("build");
            String context = build.isObject() ? build.path("context").asText() : build.asText();
            assertThat(context).as("%s: build context", service).isIn(".", "./");
            assertThat(build.path("dockerfile").asText(DockerfileStages.FILE)).as("%s: Dockerfile", service).isEqualTo(DockerfileStages.FILE);
            assertThat(compose.command(service)).as("%s: command", service).isNotEmpty();
            assertThat(compose.command(service).getFirst()).as("%s: role", service).isIn(roles);
        }
        assertThat(compose.service(WORKER).path("image").asText()).as("image of both").isEqualTo(compose.service(API).path("image").asText()).isNotBlank();
        assertThat(compose.command(API)).containsExactly(API);
        // One worker JVM per container: Compose scales containers, Docker's restart policy restarts a dead one.
        assertThat(compose.command(WORKER)).containsExactly(WORKER);
    }

    @Test
    void apiPublishesItsPortsOnTheDefaults() {
        ApiSettings settings = ApiSettings.from(new Env(compose.environment(API)));

        assertThat(settings.port()).isEqualTo(ApiSettings.PORT_DEFAULT);
        assertThat(settings.dashboardPort()).isEqualTo(ApiSettings.DASHBOARD_PORT_DEFAULT);
        assertThat(compose.ports(API)).containsExactlyInAnyOrder(
                new PortMapping(Optional.of(ApiSettings.PORT_DEFAULT), settings.port()),
                new PortMapping(Optional.of(ApiSettings.DASHBOARD_PORT_DEFAULT), settings.dashboardPort()));
    }

    @Test
    void workersCanBeScaled() {
        JsonNode worker = compose.service(WORKER);

        // A fixed host port or container name would let only one container of the service start.
        assertThat(compose.ports(WORKER)).as("worker ports").allSatisfy(port -> assertThat(port.published()).isEmpty());
        assertThat(worker.has("container_name")).as("worker has a container_name").isFalse();
        assertThat(worker.path("restart").asText()).as("worker restart policy").isIn("always", "unless-stopped", "on-failure");
    }

    @Test
    void aStoppingWorkerGetsTimeToDrain() throws ReflectiveOperationException {
        Duration drain = compose.service(WORKER).path("environment").has(WorkerSettings.STOP_GRACE_SECONDS)
                ? Duration.ofSeconds(compose.service(WORKER).path("environment").get(WorkerSettings.STOP_GRACE_SECONDS).asLong())
                : WorkerSettings.STOP_GRACE_DEFAULT;

        Duration gracePeriod = ComposeFile.duration(compose.service(WORKER).path("stop_grace_period").asText("10s"));
        assertThat(gracePeriod).as("worker stop_grace_period (Docker kills the container after it)").isGreaterThan(drain);
    }

    @Test
    void kafkaAndPostgresHaveHealthchecksWithTheirOwnTools() {
        assertThat(compose.healthcheckTest(KAFKA)).as("kafka healthcheck").isNotEmpty()
                .anySatisfy(word -> assertThat(word).startsWith("/opt/kafka/bin/kafka-"));
        assertThat(compose.healthcheckTest(POSTGRES)).as("postgres healthcheck").isNotEmpty()
                .anySatisfy(word -> assertThat(word).startsWith("pg_isready"));
    }

    @Test
    void apiHealthcheckAsksTheApiPort() {
        ApiSettings settings = ApiSettings.from(new Env(compose.environment(API)));

        assertThat(String.join(" ", compose.healthcheckTest(API))).as("api healthcheck")
                .contains("/dev/tcp/127.0.0.1/" + settings.port())
                .contains("GET /health/ready ");
    }

    @Test
    void workerHealthcheckAsksItsMetricsPort() {
        WorkerSettings settings = WorkerSettings.from(new Env(compose.environment(WORKER)));

        assertThat(settings.metricsPort()).as(WorkerSettings.METRICS_PORT + " of the worker service").isPresent();
        assertThat(String.join(" ", compose.healthcheckTest(WORKER))).as("worker healthcheck")
                .contains("/dev/tcp/127.0.0.1/" + settings.metricsPort().getAsInt())
                .contains("GET /health/ready ");
        assertThat(compose.service(WORKER).path("expose").toString()).as("worker expose (Prometheus scrapes it)")
                .contains(String.valueOf(settings.metricsPort().getAsInt()));
    }

    @Test
    void everyServiceWaitsForHealthyDependencies() {
        assertThat(compose.dependsOn(API)).containsOnlyKeys(KAFKA, POSTGRES);
        assertThat(compose.dependsOn(WORKER)).containsOnlyKeys(KAFKA, POSTGRES);
        for (String service : compose.serviceNames()) {
            compose.dependsOn(service).forEach((dependency, condition) -> {
                assertThat(condition).as("%s waits for %s to be", service, dependency).isEqualTo("service_healthy");
                assertThat(compose.healthcheckTest(dependency)).as("healthcheck of %s, which %s waits for", dependency, service).isNotEmpty();
            });
        }
    }

    @Test
    void rolesConnectToTheListenerKafkaAdvertisesToContainers() {
        Map<String, String> kafka = compose.environment(KAFKA);
        String bootstrap = KafkaSettings.from(new Env(compose.environment(API))).bootstrapServers();
        Map<String, String> advertised = listeners(kafka.get("KAFKA_ADVERTISED_LISTENERS"));
        Map<String, String> bound = listeners(kafka.get("KAFKA_LISTENERS"));

        assertThat(advertised).as("KAFKA_ADVERTISED_LISTENERS").containsValue(bootstrap);
        String listener = advertised.entrySet().stream().filter(e -> e.getValue().equals(bootstrap)).findFirst().orElseThrow().getKey();
        String host = bootstrap.split(":")[0];
        String port = bootstrap.split(":")[1];
        assertThat(host).as("the advertised host must resolve in other containers").isIn(KAFKA, compose.service(KAFKA).path("hostname").asText());
        assertThat(bound).as("KAFKA_LISTENERS").containsKey(listener);
        assertThat(bound.get(listener)).as("where %s listens", listener).isIn("0.0.0.0:" + port, ":" + port);
        assertThat(String.join(" ", compose.healthcheckTest(KAFKA))).as("kafka healthcheck").contains(":" + port);
    }

    @Test
    void theKraftControllerIsThisNode() {
        Map<String, String> kafka = compose.environment(KAFKA);
        String controllerListener = kafka.get("KAFKA_CONTROLLER_LISTENER_NAMES");
        String controllerPort = listeners(kafka.get("KAFKA_LISTENERS")).get(controllerListener).split(":")[1];

        assertThat(kafka).containsKeys("CLUSTER_ID", "KAFKA_NODE_ID", "KAFKA_PROCESS_ROLES", "KAFKA_LOG_DIRS");
        assertThat(kafka.get("KAFKA_PROCESS_ROLES").split(",")).containsExactlyInAnyOrder("broker", "controller");
        assertThat(kafka.get("KAFKA_CONTROLLER_QUORUM_VOTERS")).isEqualTo(kafka.get("KAFKA_NODE_ID") + "@" + KAFKA + ":" + controllerPort);
        assertThat(kafka.get("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP").split(",")).contains(controllerListener + ":PLAINTEXT");
    }

    @Test
    void aSingleBrokerNeedsNoReplicasForItsInternalTopics() {
        // With the default of 3, the offsets topic is never created on one broker and consumer groups silently get nothing.
        assertThat(compose.environment(KAFKA)).contains(
                entry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1"),
                entry("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1"),
                entry("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1"),
                entry("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1"),
                entry("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1"));
    }

    @Test
    void kafkaAndPostgresKeepTheirDataInNamedVolumes() {
        assertThat(compose.volumes(KAFKA)).containsValue(compose.environment(KAFKA).get("KAFKA_LOG_DIRS"));
        assertThat(compose.volumes(POSTGRES)).containsValue("/var/lib/postgresql/data");
        assertThat(compose.topLevelVolumes()).containsAll(compose.volumes(KAFKA).keySet()).containsAll(compose.volumes(POSTGRES).keySet());
    }

    @Test
    void rolesUseTheDatabaseThePostgresServiceCreates() {
        DatabaseSettings database = DatabaseSettings.from(new Env(compose.environment(API)));
        Map<String, String> postgres = compose.environment(POSTGRES);

        assertThat(database.jdbcUrl()).isEqualTo("jdbc:postgresql://" + POSTGRES + ":5432/" + postgres.get("POSTGRES_DB"));
        assertThat(database.user()).isEqualTo(postgres.get("POSTGRES_USER"));
        assertThat(database.password()).isEqualTo(postgres.get("POSTGRES_PASSWORD"));
        assertThat(compose.healthcheckTest(POSTGRES)).contains("--username=" + database.user(), "--dbname=" + postgres.get("POSTGRES_DB"));
    }

    @Test
    void imagesArePinnedAndAreTheOnesTheDockerTestsRun() {
        assertThat(compose.service(KAFKA).path("image").asText()).isEqualTo(DockerServices.KAFKA_IMAGE).startsWith("apache/kafka:4.");
        assertThat(compose.service(POSTGRES).path("image").asText()).isEqualTo(DockerServices.POSTGRES_IMAGE).startsWith("postgres:");
    }

    @Test
    void interpolationTakesTheDefaultWhenTheHostSetsNothing() {
        assertThat(ComposeFile.interpolate("${CONVEYOR_ID_SECRET:-fallback-secret}")).isEqualTo("fallback-secret");
        assertThat(ComposeFile.interpolate("a-${X-b}-$$-$Y-${Z}")).isEqualTo("a-b-$--");
        assertThat(ComposeFile.duration("1m30s")).isEqualTo(Duration.ofSeconds(90));
    }

    /** {@code A://h:1,B://:2} as {@code {A=h:1, B=:2}}. */
    private static Map<String, String> listeners(String value) {
        assertThat(value).as("listeners").isNotBlank();
        Map<String, String> listeners = new LinkedHashMap<>();
        for (String listener : Arrays.stream(value.split(",")).map(String::strip).toList()) {
            Matcher matcher = LISTENER.matcher(listener);
            assertThat(matcher.matches()).as("listener '%s'", listener).isTrue();
            listeners.put(matcher.group(1), matcher.group(2) + ":" + matcher.group(3));
        }
        return listeners;
    }
}
