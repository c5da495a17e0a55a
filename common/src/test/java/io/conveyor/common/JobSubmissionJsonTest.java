package io.conveyor.common;

import io.conveyor.handler.Backoff;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JobSubmissionJsonTest {

    private static final UUID ID = UUID.randomUUID();
    private static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");

    @Test
    void aClientJobWithEveryFieldSurvivesTheTopic() throws Exception {
        JobSubmission job = JobSubmissionJson.fromClient(json("""
                {"type":"sleep","payload":{"millis":5},"maxAttempts":3,"labels":["a"],"backoff":{"baseMillis":100,"maxMillis":900},
                 "priority":"high","timeoutMillis":2500,"queue":"reports"}"""), ID, NOW);
        JobSubmission read = JobSubmissionJson.fromTopic(JobSubmissionJson.toTopic(job), null, Instant.EPOCH);
        assertThat(read).isEqualTo(job);
        assertThat(read.queue()).isEqualTo("reports");
        assertThat(read.backoff()).isEqualTo(new Backoff(Duration.ofMillis(100), Duration.ofMillis(900)));
        assertThat(read.priority()).isEqualTo(JobPriority.HIGH);
        assertThat(read.timeout()).isEqualTo(Duration.ofMillis(2500));
    }

    @Test
    void timeoutMillisIsAWholePositiveNumberOfMillisecondsUpToAWeekAndNoneByDefault() {
        assertThat(JobSubmissionJson.fromClient(json("{\"type\":\"noop\"}"), ID, NOW).timeout()).isNull();
        assertThat(JobSubmissionJson.fromClient(json("{\"type\":\"noop\",\"timeoutMillis\":604800000}"), ID, NOW).timeout())
                .isEqualTo(Duration.ofDays(7));
        assertField("{\"type\":\"x\",\"timeoutMillis\":0}", "timeoutMillis");
        assertField("{\"type\":\"x\",\"timeoutMillis\":-5}", "timeoutMillis");
        assertField("{\"type\":\"x\",\"timeoutMillis\":1.5}", "timeoutMillis");
        assertField("{\"type\":\"x\",\"timeoutMillis\":\"1s\"}", "timeoutMillis");
        assertField("{\"type\":\"x\",\"timeoutMillis\":604800001}", "timeoutMillis");
    }

    @Test
    void runAtTakesAnyRfc3339OffsetAndDelayMillisCountsFromAcceptanceAndBothSurviveTheTopic() throws Exception {
        JobSubmission at = JobSubmissionJson.fromClient(json("{\"type\":\"noop\",\"runAt\":\"2026-11-27T14:30:00+02:00\"}"), ID, NOW);
        assertThat(at.runAt()).isEqualTo(Instant.parse("2026-11-27T12:30:00Z"));
        JobSubmission delayed = JobSubmissionJson.fromClient(json("{\"type\":\"noop\",\"delayMillis\":1500}"), ID, NOW);
        assertThat(delayed.runAt()).isEqualTo(NOW.plusMillis(1500));
        assertThat(JobSubmissionJson.fromTopic(JobSubmissionJson.toTopic(at), null, Instant.EPOCH)).isEqualTo(at);
        assertThat(JobSubmissionJson.fromClient(json("{\"type\":\"noop\"}"), ID, NOW).runAt()).isNull();

        assertField("{\"type\":\"x\",\"runAt\":\"tomorrow\"}", "runAt");
        assertField("{\"type\":\"x\",\"runAt\":\"2026-11-27T14:30:00\"}", "runAt"); // no offset: which zone?
        assertField("{\"type\":\"x\",\"runAt\":\"2030-11-27T14:30:00Z\"}", "runAt"); // over a year ahead
        assertField("{\"type\":\"x\",\"delayMillis\":-1}", "delayMillis");
        assertField("{\"type\":\"x\",\"delayMillis\":1.5}", "delayMillis");
        assertField("{\"type\":\"x\",\"delayMillis\":1,\"runAt\":\"2026-11-27T14:30:00Z\"}", "delayMillis");
    }

    @Test
    void aNulCharacterThatTheLedgerCannotStoreIsRefusedWhereverItIs() {
        assertField("{\"type\":\"x\",\"payload\":{\"s\":\"a\\u0000\"}}", "payload");
        assertField("{\"type\":\"x\",\"payload\":{\"deep\":[{\"a\\u0000\":1}]}}", "payload");
        assertField("{\"type\":\"x\",\"labels\":[\"\\u0000\"]}", "labels");
        assertThat(JobSubmissionJson.fromClient(json("{\"type\":\"x\",\"payload\":{\"s\":\"\\\\u0000 is fine as text\"}}"), ID, NOW)
                .payload().get("s").asText()).isEqualTo("\\u0000 is fine as text");
    }

    @Test
    void aRecordWithoutAValueIsNoJob() {
        assertThatThrownBy(() -> JobSubmissionJson.fromTopic(null, ID, NOW)).isInstanceOf(InvalidJobException.class).hasMessageContaining("tombstone");
    }

    @Test
    void defaultsApplyWhenFieldsAreLeftOut() {
        JobSubmission job = JobSubmissionJson.fromClient(json("{\"type\":\"noop\"}"), ID, NOW);
        assertThat(job.maxAttempts()).isEqualTo(JobSubmission.MAX_ATTEMPTS_DEFAULT);
        assertThat(job.payload().isEmpty()).isTrue();
        assertThat(job.labels()).isEmpty();
        assertThat(job.backoff()).isNull();
        assertThat(job.priority()).isEqualTo(JobPriority.NORMAL);
        assertThat(job.queue()).isEqualTo(JobSubmission.DEFAULT_QUEUE);
        assertThat(new String(JobSubmissionJson.toTopic(job))).as("the default queue is not carried").doesNotContain("queue");
    }

    @Test
    void aPriorityIsNamedInAnyCase() {
        assertThat(JobSubmissionJson.fromClient(json("{\"type\":\"x\",\"priority\":\"LOW\"}"), ID, NOW).priority()).isEqualTo(JobPriority.LOW);
        assertThat(JobSubmissionJson.fromClient(json("{\"type\":\"x\",\"priority\":null}"), ID, NOW).priority()).isEqualTo(JobPriority.NORMAL);
    }

    @Test
    void badFieldsAreRefusedNamingTheField() {
        assertField("{\"payload\":{}}", "type");
        assertField("{\"type\":\" \"}", "type");
        assertField("{\"type\":\"java.lang.Runtime exec\"}", "type");
        assertField("{\"type\":\"x\",\"payload\":[1]}", "payload");
        assertField("{\"type\":\"x\",\"maxAttempts\":0}", "maxAttempts");
        assertField("{\"type\":\"x\",\"maxAttempts\":1.5}", "maxAttempts");
        assertField("{\"type\":\"x\",\"labels\":[\"a\",\"b\",\"c\",\"d\"]}", "labels");
        assertField("{\"type\":\"x\",\"backoff\":{\"baseMillis\":-1}}", "backoff");
        assertField("{\"type\":\"x\",\"backoff\":{\"baseMillis\":10,\"maxMillis\":5}}", "backoff");
        assertField("{\"type\":\"x\",\"backoff\":{\"base\":10}}", "backoff");
        assertField("{\"type\":\"x\",\"maxAttempt\":3}", "maxAttempt");
        assertField("{\"type\":\"x\",\"priority\":\"urgent\"}", "priority");
        assertField("{\"type\":\"x\",\"priority\":1}", "priority");
        assertField("{\"type\":\"x\",\"queue\":\"a queue\"}", "queue");
        assertField("{\"type\":\"x\",\"queue\":\"\"}", "queue");
        assertField("{\"type\":\"x\",\"queue\":3}", "queue");
        assertField("{\"type\":\"x\",\"allowUnknownType\":true}", "allowUnknownType"); // the API's door takes it off first
    }

    @Test
    void aTriggeredRunOfARecurringJobCarriesItsNameOnTheTopicButAClientCannotSetIt() throws Exception {
        JobSubmission run = JobSubmissionJson.fromClient(json("{\"type\":\"noop\"}"), ID, NOW).runOf("nightly");
        JobSubmission read = JobSubmissionJson.fromTopic(JobSubmissionJson.toTopic(run), null, Instant.EPOCH);
        assertThat(read).isEqualTo(run);
        assertThat(read.recurring()).isEqualTo("nightly");
        assertThat(new String(JobSubmissionJson.toTopic(JobSubmissionJson.fromClient(json("{\"type\":\"noop\"}"), ID, NOW))))
                .as("an ordinary job carries none").doesNotContain("recurring");
        assertField("{\"type\":\"noop\",\"recurring\":\"nightly\"}", "recurring");
        assertThatThrownBy(() -> JobSubmissionJson.fromTopic("{\"type\":\"noop\",\"recurring\":\"../x\"}".getBytes(), ID, NOW))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.field()).isEqualTo("recurring"));
    }

    @Test
    void aTopicRecordWithoutIdTakesItsKey() throws Exception {
        JobSubmission job = JobSubmissionJson.fromTopic("{\"type\":\"noop\"}".getBytes(), ID, NOW);
        assertThat(job.id()).isEqualTo(ID);
        assertThat(job.acceptedAt()).isEqualTo(NOW);
        assertThat(job.labels()).isEqualTo(List.of());
    }

    private static void assertField(String body, String field) {
        assertThatThrownBy(() -> JobSubmissionJson.fromClient(json(body), ID, NOW))
                .isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.field()).isEqualTo(field));
    }

    private static JsonNode json(String text) {
        try {
            return JobSubmissionJson.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
