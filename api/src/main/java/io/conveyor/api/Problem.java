package io.conveyor.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.InvalidJobException;
import io.conveyor.common.JobSubmissionJson;
import org.eclipse.jetty.http.HttpStatus;

/**
 * An error answer in the RFC 9457 "problem details" form, which every error of the API uses.
 *
 * @param type   a URI naming the kind of problem; {@code about:blank} when the status says it all
 * @param title  a short summary that is the same for every problem of this type
 * @param status the HTTP status
 * @param detail what went wrong with this request, for a human
 * @param field  for an invalid job: the JSON field at fault ({@code [3].type} for the fourth job of a batch); else null
 * @param index  for an invalid job in a batch: its position from 0; else null
 */
public record Problem(String type, String title, int status, String detail, String field, Integer index) {

    public static final String CONTENT_TYPE = "application/problem+json";

    static final String MALFORMED_JSON = "urn:conveyor:problem:malformed-json";
    static final String INVALID_JOB = "urn:conveyor:problem:invalid-job";
    static final String INVALID_RECURRING = "urn:conveyor:problem:invalid-recurring-job";
    static final String TOO_LARGE = "urn:conveyor:problem:too-large";
    static final String KAFKA_UNAVAILABLE = "urn:conveyor:problem:kafka-unavailable";
    static final String LEDGER_UNAVAILABLE = "urn:conveyor:problem:ledger-unavailable";
    static final String BAD_PARAMETER = "urn:conveyor:problem:bad-parameter";
    static final String JOB_STATE = "urn:conveyor:problem:job-state";

    /** A problem with no extension members; {@code about:blank} problems take the status phrase as title. */
    static Problem of(String type, String title, int status, String detail) {
        return new Problem(type, title, status, detail, null, null);
    }

    static Problem status(int status, String detail) {
        return of("about:blank", HttpStatus.getMessage(status), status, detail);
    }

    /** A query parameter that cannot be used; {@code field} names it. */
    static Problem badParameter(String field, String detail) {
        return new Problem(BAD_PARAMETER, "Bad query parameter", 400, detail, field, null);
    }

    /** 409: the job is in a state the request cannot apply to (a cancel of a job that ended, a retry of one that did not). */
    static Problem jobState(String detail) {
        return of(JOB_STATE, "Job in another state", 409, detail);
    }

    static Problem malformedJson(String detail) {
        return of(MALFORMED_JSON, "Malformed JSON", 400, detail);
    }

    static Problem tooLarge(String detail) {
        return of(TOO_LARGE, "Request too large", 413, detail);
    }

    static Problem invalidJob(InvalidJobException e) {
        return new Problem(INVALID_JOB, "Invalid job", 422, e.getMessage(), e.field(), null);
    }

    /** The job at {@code index} of a batch broke a rule; the detail and field say which one. */
    static Problem invalidJob(int index, InvalidJobException e) {
        String field = e.field() == null || e.field().isEmpty() ? "[" + index + "]" : "[" + index + "]." + e.field();
        return new Problem(INVALID_JOB, "Invalid job", 422, "job at index " + index + ": " + e.getMessage(), field, index);
    }

    /** The completion job ({@code then}) of a batch broke a rule; the field is {@code then.} and the job's field. */
    static Problem invalidThen(InvalidJobException e) {
        String field = e.field() == null || e.field().isEmpty() ? "then" : "then." + e.field();
        return new Problem(INVALID_JOB, "Invalid job", 422, "the batch's then job: " + e.getMessage(), field, null);
    }

    /** A recurring job that cannot be: {@code field} names what (name, cron, zone, job or one of the job's fields). */
    static Problem invalidRecurring(String field, String detail) {
        return new Problem(INVALID_RECURRING, "Invalid recurring job", 422, detail, field, null);
    }

    static Problem kafkaUnavailable(String detail) {
        return of(KAFKA_UNAVAILABLE, "Kafka unavailable", 503, detail);
    }

    static Problem ledgerUnavailable(String detail) {
        return of(LEDGER_UNAVAILABLE, "Ledger unavailable", 503, detail);
    }

    /** The JSON body; {@code instance} is the request path, or null to leave it out. */
    public ObjectNode toJson(String instance) {
        ObjectNode json = JobSubmissionJson.MAPPER.createObjectNode();
        json.put("type", type);
        json.put("title", title);
        json.put("status", status);
        json.put("detail", detail);
        if (instance != null) {
            json.put("instance", instance);
        }
        if (field != null) {
            json.put("field", field);
        }
        if (index != null) {
            json.put("index", index);
        }
        return json;
    }

    public byte[] toBytes(String instance) {
        try {
            return JobSubmissionJson.MAPPER.writeValueAsBytes(toJson(instance));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }
}
