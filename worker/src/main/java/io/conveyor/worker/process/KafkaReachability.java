package io.conveyor.worker.process;

import io.conveyor.common.KafkaSettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether this worker's Kafka cluster answers, for its readiness: a metadata request ({@code describeCluster}) on an
 * admin client of its own, within {@link #TIMEOUT}. The answer is kept for {@link #FRESH}, so that readiness probed
 * often costs the brokers one request a second at most. The intake's consumer cannot tell: its poll returns, empty,
 * whether or not a broker answers.
 */
final class KafkaReachability implements AutoCloseable {

    static final Duration TIMEOUT = Duration.ofSeconds(2);
    static final Duration FRESH = Duration.ofSeconds(1);

    private final Admin admin;
    private long checkedAt;
    private boolean answered;

    KafkaReachability(KafkaSettings kafka, String clientId) {
        this.admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG, clientId + "-health",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis()));
    }

    /** Whether a broker answered a metadata request within {@link #TIMEOUT}, asked at most once per {@link #FRESH}. */
    synchronized boolean answers() {
        long now = System.nanoTime();
        if (checkedAt == 0 || now - checkedAt >= FRESH.toNanos()) {
            answered = ask();
            checkedAt = System.nanoTime();
        }
        return answered;
    }

    private boolean ask() {
        try {
            return !admin.describeCluster().nodes().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).isEmpty();
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
