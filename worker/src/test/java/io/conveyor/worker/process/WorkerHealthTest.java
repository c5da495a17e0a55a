package io.conveyor.worker.process;

import io.conveyor.common.KafkaSettings;
import io.conveyor.common.Topics;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class WorkerHealthTest {

    @Test
    void readinessNamesKafkaAndIsDownWhileNoBrokerAnswers() throws Exception {
        AtomicBoolean kafka = new AtomicBoolean(false);
        try (WorkerHealth health = WorkerHealth.start(0, () -> true, () -> true, kafka::get, () -> "");
             HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> down = ready(http, health.port());
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).isEqualTo("{\"status\":\"DOWN\",\"components\":{\"ledger\":\"UP\",\"jobServer\":\"UP\",\"kafka\":\"DOWN\"}}");

            kafka.set(true);
            HttpResponse<String> up = ready(http, health.port());
            assertThat(up.statusCode()).isEqualTo(200);
            assertThat(up.body()).contains("\"status\":\"UP\"").contains("\"kafka\":\"UP\"");
        }
    }

    @Test
    void kafkaWithoutABrokerDoesNotAnswerWithinTheTimeout() {
        // Port 1: nothing listens there.
        try (KafkaReachability kafka = new KafkaReachability(
                new KafkaSettings("127.0.0.1:1", new Topics(Topics.PREFIX_DEFAULT)), "test")) {
            long started = System.nanoTime();
            assertThat(kafka.answers()).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(KafkaReachability.TIMEOUT.multipliedBy(5));
        }
    }

    private static HttpResponse<String> ready(HttpClient http, int port) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
