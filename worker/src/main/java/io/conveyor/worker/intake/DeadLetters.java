package io.conveyor.worker.intake;

import io.conveyor.common.KafkaProducers;
import io.conveyor.common.KafkaSettings;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Copies records of the jobs topic that are not jobs and name no job id to the dead-letter topic
 * ({@code <prefix>jobs.dead}): key, value and headers as they were, plus {@value #REASON_HEADER} (why) and
 * {@value #SOURCE_HEADER} (topic-partition@offset). Intake commits past such records only once the copies are acknowledged.
 */
public final class DeadLetters implements AutoCloseable {

    public static final String REASON_HEADER = "conveyor.error";
    public static final String SOURCE_HEADER = "conveyor.source";

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;

    public DeadLetters(KafkaSettings kafka, String clientId) {
        this.producer = KafkaProducers.acknowledged(kafka, clientId + "-dead-letters", Duration.ofSeconds(10));
        this.topic = kafka.topics().deadJobs();
    }

    /** Sends the copies and waits until the broker has them all; throws if any could not be written. */
    public void copy(List<DeadLetter> letters) throws ExecutionException, InterruptedException {
        List<Future<RecordMetadata>> sent = new ArrayList<>(letters.size());
        for (DeadLetter letter : letters) {
            ConsumerRecord<String, byte[]> record = letter.record();
            RecordHeaders headers = new RecordHeaders(record.headers().toArray());
            headers.add(REASON_HEADER, letter.reason().getBytes(StandardCharsets.UTF_8));
            headers.add(SOURCE_HEADER, (record.topic() + "-" + record.partition() + "@" + record.offset()).getBytes(StandardCharsets.UTF_8));
            sent.add(producer.send(new ProducerRecord<>(topic, null, record.key(), record.value(), headers)));
        }
        for (Future<RecordMetadata> future : sent) {
            future.get();
        }
    }

    /** A record to copy, and why. */
    public record DeadLetter(ConsumerRecord<String, byte[]> record, String reason) {
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
