package io.conveyor.worker.process;

import io.conveyor.common.KafkaAdmins;
import io.conveyor.common.KafkaSettings;
import org.apache.kafka.clients.admin.Admin;

import java.time.Duration;

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
        this.admin = KafkaAdmins.create(kafka, clientId + "-health", TIMEOUT);
    }

    /** Whether a broker answered a metadata request within {@link #TIMEOUT}, asked at most once per {@link #FRESH}. */
    synchronized boolean answers() {
        long now = System.nanoTime();
        if (checkedAt == 0 || now - checkedAt >= FRESH.toNanos()) {
            answered = KafkaAdmins.clusterAnswers(admin, TIMEOUT);
            checkedAt = System.nanoTime();
        }
        return answered;
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(2));
    }
}
