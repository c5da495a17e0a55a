package io.conveyor.worker.intake;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.conveyor.common.InvalidJobException;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.common.failure.FailureKind;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.FailedState;
import org.jobrunr.jobs.states.StateName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class InvalidJobRecordTest {

    private static final UUID ID = UUID.randomUUID();

    @Test
    void becomesAFailedJobThatIsNotRetriedAndNamesTheReasonAndTheRecord() {
        Job job = InvalidJobRecord.of(ID, record("{\"type\":\"noop\",\"colour\":\"blue\"}"),
                new InvalidJobException("colour", "unknown field(s) [colour]"), Instant.EPOCH).toJob();
        assertThat(job.getId()).isEqualTo(ID);
        assertThat(job.getState()).isEqualTo(StateName.FAILED);
        assertThat(job.getJobName()).isEqualTo(InvalidJobRecord.TYPE);
        FailedState failed = job.getJobState();
        assertThat(FailureKind.of(failed)).isEqualTo(FailureKind.NON_RETRYABLE);
        assertThat(failed.getExceptionMessage()).isEqualTo("unknown field(s) [colour]; record conveyor.jobs-3@42: {\"type\":\"noop\",\"colour\":\"blue\"}");
        assertThat(failed.getException()).isInstanceOf(InvalidJobException.class).hasMessage(failed.getExceptionMessage());
    }

    @Test
    void aLongRecordIsCutAndANulCharacterReplacedSinceTheLedgerCannotStoreIt() {
        String value = "\u0000" + "x".repeat(5_000);
        String described = InvalidJobRecord.describe(record(value));
        assertThat(described).doesNotContain("\u0000").contains("\uFFFD").endsWith("… (5001 characters)");
        assertThat(described.length()).isLessThan(InvalidJobRecord.MAX_RAW_CHARS + 100);
    }

    @Test
    void badJsonIsSaidToBeNotJson() {
        assertThatThrownBy(() -> JobSubmissionJson.MAPPER.readTree("{\"type\": noop"))
                .isInstanceOfSatisfying(JsonProcessingException.class, e -> assertThat(InvalidJobRecord.reasonOf(e)).startsWith("not valid JSON: "));
    }

    private static ConsumerRecord<String, byte[]> record(String value) {
        return new ConsumerRecord<>("conveyor.jobs", 3, 42, ID.toString(), value.getBytes(StandardCharsets.UTF_8));
    }
}
