package io.conveyor.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class KafkaJobSubmitterTest {

    private static final String TOPIC = "test.jobs";
    /**
     * For the tests that answer a send themselves: the test thread must see the send and answer it before the submitter
     * gives up, however busy the machine, so the submitter waits far longer than any of those tests can take.
     */
    private static final Duration PATIENT = Duration.ofMinutes(5);
    /** How long a test waits for the submitter to send or to return: generous, and well within {@link #PATIENT}. */
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** For the test in which nothing answers: the submitter must give up by itself. */
    private static final Duration SHORT = Duration.ofMillis(300);

    private final MockProducer<String, byte[]> producer =
            new MockProducer<>(false, null, new StringSerializer(), new ByteArraySerializer());
    private final KafkaJobSubmitter submitter = new KafkaJobSubmitter(producer, TOPIC, PATIENT);

    @Test
    void aJobGoesToTheJobsTopicKeyedByItsIdInTheTopicForm() throws Exception {
        JobSubmission job = aJob("noop");
        CompletableFuture<Void> submitted = CompletableFuture.runAsync(() -> submitter.submit(job));
        await().atMost(WAIT).until(() -> producer.history().size() == 1);
        assertThat(submitted).isNotDone();

        producer.completeNext();
        submitted.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        ProducerRecord<String, byte[]> record = producer.history().getFirst();
        assertThat(record.topic()).isEqualTo(TOPIC);
        assertThat(record.key()).isEqualTo(job.id().toString());
        assertThat(JobSubmissionJson.fromTopic(record.value(), null, Instant.EPOCH)).isEqualTo(job);
    }

    @Test
    void aBatchReturnsOnlyOnceEveryJobIsAcknowledged() throws Exception {
        List<JobSubmission> jobs = List.of(aJob("a"), aJob("b"), aJob("c"));
        CompletableFuture<Void> submitted = CompletableFuture.runAsync(() -> submitter.submitAll(jobs));
        await().atMost(WAIT).until(() -> producer.history().size() == 3);

        producer.completeNext();
        producer.completeNext();
        assertThat(submitted).isNotDone();
        producer.completeNext();
        submitted.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(producer.history()).extracting(ProducerRecord::key).containsExactly(
                jobs.get(0).id().toString(), jobs.get(1).id().toString(), jobs.get(2).id().toString());
    }

    @Test
    @Timeout(60)
    void noAcknowledgementWithinTheTimeoutIsKafkaUnavailable() {
        KafkaJobSubmitter impatient = new KafkaJobSubmitter(producer, TOPIC, SHORT);
        long start = System.nanoTime();

        assertThatThrownBy(() -> impatient.submit(aJob("noop")))
                .isInstanceOf(KafkaUnavailableException.class)
                .hasMessageContaining("300 ms");
        // It gave up because the timeout ran out, not before: the upper bound is the test's own timeout, not a goal.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT);
        assertThat(producer.history()).hasSize(1);
    }

    @Test
    void aFailedSendIsKafkaUnavailable() {
        CompletableFuture<Void> submitted = CompletableFuture.runAsync(() -> submitter.submit(aJob("noop")));
        await().atMost(WAIT).until(() -> producer.history().size() == 1);

        producer.errorNext(new NetworkException("broker went away"));

        assertThat(submitted).failsWithin(WAIT)
                .withThrowableThat().havingCause().isInstanceOf(KafkaUnavailableException.class).withMessageContaining("broker went away");
    }

    @Test
    void aRecordKafkaRefusesForItsSizeIsJobTooLarge() {
        CompletableFuture<Void> submitted = CompletableFuture.runAsync(() -> submitter.submit(aJob("noop")));
        await().atMost(WAIT).until(() -> producer.history().size() == 1);

        producer.errorNext(new RecordTooLargeException("too large"));

        assertThat(submitted).failsWithin(WAIT)
                .withThrowableThat().havingCause().isInstanceOf(JobTooLargeException.class);
    }

    @Test
    void aProducerThatCannotSendIsKafkaUnavailable() {
        producer.sendException = new org.apache.kafka.common.KafkaException("producer closed");

        assertThatThrownBy(() -> submitter.submit(aJob("noop"))).isInstanceOf(KafkaUnavailableException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 5_000, 600_000})
    void kafkaAcceptsTheProducerSettingsForEverySubmitTimeout(int timeoutMs) {
        ApiSettings settings = new ApiSettings(0, 0, ApiSettings.MAX_BODY_BYTES_DEFAULT, 10, Duration.ofMillis(timeoutMs), "unit-test-id-secret");
        var config = KafkaJobSubmitter.producerConfig(new KafkaSettings("127.0.0.1:1", new Topics("t.")), settings);

        // Kafka checks delivery.timeout.ms >= linger.ms + request.timeout.ms, among others, when the producer is built.
        new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer()).close(Duration.ZERO);

        assertThat(config).containsEntry("acks", "all").containsEntry("enable.idempotence", true)
                .containsEntry("max.block.ms", timeoutMs).containsEntry("delivery.timeout.ms", timeoutMs);
    }

    private static JobSubmission aJob(String type) {
        return new JobSubmission(UUID.randomUUID(), type, JsonNodeFactory.instance.objectNode().put("n", 1), 3, List.of("x"), Instant.parse("2026-01-01T00:00:00Z"));
    }
}
