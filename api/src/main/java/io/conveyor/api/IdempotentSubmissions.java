package io.conveyor.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.common.InvalidJobException;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import org.jobrunr.jobs.mappers.JobMapper;

import javax.sql.DataSource;
import java.io.IOException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Submissions with an idempotency key ({@code Idempotency-Key} header, or {@code "key"} in a batch item). The job's id
 * is derived from the key ({@link JobIds#forKey}), so the same key is the same job through any API instance: the
 * ledger's primary key is the deduplication (intake writes only ids it does not hold), and nothing is shared between
 * API instances. Here the API only looks whether the ledger already holds the job: then a repeat answers it (200)
 * instead of sending it again, and a repeat with another submission is refused (422). While the first submission is
 * still in Kafka the API cannot tell, answers 202 again, and the worker keeps the first one that reaches the ledger.
 */
final class IdempotentSubmissions {

    static final String HEADER = "Idempotency-Key";
    static final String BATCH_FIELD = "key";
    static final int MAX_KEY_LENGTH = 255;

    private final DataSource dataSource;
    private final JobMapper jobs;

    IdempotentSubmissions(DataSource dataSource, JobMapper jobs) {
        this.dataSource = dataSource;
        this.jobs = jobs;
    }

    /** The key if it is usable: 1 to 255 visible ASCII characters. */
    static String validKey(String raw, String field) {
        if (raw.isEmpty() || raw.length() > MAX_KEY_LENGTH || !raw.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
            throw new InvalidJobException(field, "an idempotency key must be 1 to " + MAX_KEY_LENGTH + " visible ASCII characters");
        }
        return raw;
    }

    /** The ledger's JSON of those of these jobs it holds, by id. */
    Map<UUID, String> stored(Collection<UUID> ids) {
        Map<UUID, String> found = new HashMap<>();
        if (ids.isEmpty()) {
            return found;
        }
        try (Connection connection = dataSource.getConnection();
             PreparedStatement select = connection.prepareStatement("select id, jobasjson from jobrunr_jobs where id = any(?)")) {
            Array array = connection.createArrayOf("bpchar", ids.stream().map(UUID::toString).toArray());
            select.setArray(1, array);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    found.put(UUID.fromString(rows.getString(1).trim()), rows.getString(2));
                }
            }
            return found;
        } catch (SQLException e) {
            throw new LedgerUnavailableException("the ledger could not be read: " + e.getMessage(), e);
        }
    }

    JobView view(String storedJson) {
        return JobView.of(jobs.deserializeJob(storedJson));
    }

    /**
     * Null if the stored job is what {@code wanted} asks for, else what differs. A job cancelled while still in Kafka
     * holds no submission to compare: it is the key's job whatever was asked.
     */
    static String difference(JobSubmission wanted, String storedJson) {
        JsonNode stored;
        try {
            stored = JobSubmissionJson.MAPPER.readTree(storedJson);
        } catch (IOException e) {
            throw new IllegalStateException("the ledger holds unreadable JSON for job " + wanted.id(), e);
        }
        JsonNode request = stored.path("jobDetails").path("jobParameters").path(0).path("object");
        if (request.isMissingNode()) {
            return null;
        }
        if (!wanted.type().equals(stored.path("jobName").asText())) {
            return "type";
        }
        JsonNode payload;
        try {
            payload = JobSubmissionJson.MAPPER.readTree(request.path("payload").asText("{}"));
        } catch (IOException e) {
            return "payload";
        }
        if (!wanted.payload().equals(payload)) {
            return "payload";
        }
        if (wanted.maxAttempts() != stored.path("amountOfRetries").asInt(-1) + 1) {
            return "maxAttempts";
        }
        List<String> labels = new java.util.ArrayList<>();
        stored.path("labels").forEach(label -> labels.add(label.asText()));
        if (!wanted.labels().equals(labels)) {
            return "labels";
        }
        Long base = request.path("backoffBaseMillis").isNumber() ? request.path("backoffBaseMillis").asLong() : null;
        Long max = request.path("backoffMaxMillis").isNumber() ? request.path("backoffMaxMillis").asLong() : null;
        Long wantedBase = wanted.backoff() == null ? null : wanted.backoff().base().toMillis();
        Long wantedMax = wanted.backoff() == null ? null : wanted.backoff().max().toMillis();
        if (!java.util.Objects.equals(base, wantedBase) || !java.util.Objects.equals(max, wantedMax)) {
            return "backoff";
        }
        Long timeout = request.path("timeoutMillis").isNumber() ? request.path("timeoutMillis").asLong() : null;
        if (!java.util.Objects.equals(timeout, wanted.timeout() == null ? null : wanted.timeout().toMillis())) {
            return "timeoutMillis";
        }
        String queue = request.path("queue").isTextual() ? request.path("queue").asText() : JobSubmission.DEFAULT_QUEUE;
        if (!wanted.queue().equals(queue)) {
            return "queue";
        }
        return null;
    }

    static InvalidJobException keyReused(JobSubmission wanted, String field) {
        return new InvalidJobException(field, "this idempotency key was used for job " + wanted.id()
                + " with another submission (its " + field + " differs); use a new key for a different job");
    }
}
