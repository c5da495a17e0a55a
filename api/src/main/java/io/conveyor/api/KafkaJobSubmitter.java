package io.conveyor.api;

import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.KafkaSettings;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Produces accepted jobs to the jobs topic (key = job id) and waits until Kafka acknowledged them: {@code acks=all}
 * with idempotence, so an acknowledged job survives a broker failure and a producer retry never duplicates it.
 */
public final class KafkaJobSubmitter implements JobSubmitter {

    /** Long enough to batch the records of concurrent requests, short next to a request's round trip. */
    static final int LINGER_MS = 2;
    /** Room for the id, acceptedAt and field names around a body of the largest accepted size. */
    static final int RECORD_OVERHEAD_BYTES = 64 * 1024;

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final Duration timeout;

    KafkaJobSubmitter(Producer<String, byte[]> producer, String topic, Duration timeout) {
        this.producer = producer;
        this.topic = topic;
        this.timeout = timeout;
    }

    /** A submitter whose every wait for Kafka ends within {@code settings.submitTimeout()}. */
    public static KafkaJobSubmitter create(KafkaSettings kafka, ApiSettings settings) {
        return new KafkaJobSubmitter(
                new KafkaProducer<>(producerConfig(kafka, settings), new StringSerializer(), new ByteArraySerializer()),
                kafka.topics().jobs(),
                settings.submitTimeout());
    }

    static Map<String, Object> producerConfig(KafkaSettings kafka, ApiSettings settings) {
        int timeoutMs = Math.toIntExact(settings.submitTimeout().toMillis());
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, LINGER_MS,
                // send() blocks for metadata at most this long, so a dead broker cannot hold a request past the timeout ...
                ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs,
                // ... and the producer gives a record up by then; Kafka insists delivery >= linger + request timeout.
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs - LINGER_MS,
                // The broker's size limit applies to the compressed batch: compression lets a job near the body limit through.
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, settings.maxBodyBytes() + RECORD_OVERHEAD_BYTES);
    }

    @Override
    public void submit(JobSubmission job) {
        submitAll(List.of(job));
    }

    @Override
    public void submitAll(List<JobSubmission> jobs) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Future<RecordMetadata>> acks = new ArrayList<>(jobs.size());
        for (JobSubmission job : jobs) {
            Future<RecordMetadata> ack = send(job);
            acks.add(ack);
            // Without metadata every send() blocks for max.block.ms: stop at the first failure instead of once per job.
            if (ack.isDone() || System.nanoTime() - deadline > 0) {
                await(ack, deadline);
            }
        }
        for (Future<RecordMetadata> ack : acks) {
            await(ack, deadline);
        }
    }

    private Future<RecordMetadata> send(JobSubmission job) {
        try {
            return producer.send(new ProducerRecord<>(topic, job.id().toString(), JobSubmissionJson.toTopic(job)));
        } catch (KafkaException e) {
            // Errors about the record itself arrive through the future; what send() throws concerns the producer.
            throw new KafkaUnavailableException("the Kafka producer cannot send: " + e.getMessage(), e);
        }
    }

    private void await(Future<RecordMetadata> ack, long deadline) {
        try {
            ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new KafkaUnavailableException("Kafka did not acknowledge the job within " + timeout.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RecordTooLargeException tooLarge) {
                throw new JobTooLargeException("the job is too large for the jobs topic: " + tooLarge.getMessage(), tooLarge);
            }
            throw new KafkaUnavailableException("Kafka did not accept the job: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnavailableException("interrupted while waiting for Kafka", e);
        }
    }

    @Override
    public void close() {
        producer.close(timeout);
    }
}
