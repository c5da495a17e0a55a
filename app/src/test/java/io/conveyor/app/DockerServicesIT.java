package io.conveyor.app;

import io.conveyor.api.ApiApplication;
import io.conveyor.api.ApiSettings;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.DockerServices;
import io.conveyor.app.testing.WorkerFleet;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.postgresql.PostgreSQLContainer;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Docker path of the tests: a job runs end to end on the PostgreSQL and Kafka containers (the images
 * docker-compose.yml runs). Runs only where a Docker engine is available and is reported as skipped elsewhere; the
 * other integration tests then use the local or embedded services instead.
 */
@EnabledIf(value = "dockerAvailable", disabledReason = "no Docker engine: the Testcontainers path is skipped")
class DockerServicesIT {

    static boolean dockerAvailable() {
        return DockerServices.available();
    }

    @Test
    void aJobRunsOnTheContainers() {
        // Containers of its own rather than TestServices', which prefers a local PostgreSQL where one answers.
        try (PostgreSQLContainer postgres = DockerServices.postgres(); KafkaContainer kafka = DockerServices.kafka()) {
            Startables.deepStart(postgres, kafka).join();
            DatabaseSettings database = new DatabaseSettings(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword());
            KafkaSettings kafkaSettings = new KafkaSettings(kafka.getBootstrapServers(), new Topics(Topics.PREFIX_DEFAULT));
            ApiSettings settings = new ApiSettings(0, 0, ApiSettings.MAX_BODY_BYTES_DEFAULT, ApiSettings.BATCH_LIMIT_DEFAULT,
                    ApiSettings.SUBMIT_TIMEOUT_DEFAULT, "docker-services-test-secret");

            try (ApiApplication api = ApiApplication.start(settings, kafkaSettings, database);
                 WorkerFleet workers = WorkerFleet.start("docker", 1, kafkaSettings, database, Map.of())) {
                ConveyorClient client = new ConveyorClient(api.port(), api.dashboardPort());
                UUID id = client.submit("{\"type\":\"primes\",\"payload\":{\"from\":0,\"to\":1000}}");

                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(client.job(id).get("state").asText()).isEqualTo("SUCCEEDED"));
                assertThat(client.job(id).get("result").get("count").asInt()).isEqualTo(168);
            }
        }
    }
}
