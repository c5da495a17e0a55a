package io.conveyor.worker;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.conveyor.common.JobPriority;
import io.conveyor.common.jobjson.JobParameterJson;
import io.conveyor.common.jobjson.JsonValues;
import io.conveyor.common.jobjson.UnknownJobShape;
import io.conveyor.handler.JobKind;

import java.io.IOException;

/**
 * The JSON of {@link LedgerJobRequest} in a ledger job, as JobRunr's Jackson mapper writes a record: its components in
 * order, nulls left out, enums by name. Found by the ledger's job codec with {@link java.util.ServiceLoader}
 * ({@code META-INF/services}), so that a job's parameter is written and read without reflection in every JVM that has
 * this class (the workers, and the API of the same jar). A new component must be added here too: the codec's golden
 * test ({@code LedgerJobJsonTest}) compares a request with every component set against JobRunr's mapper.
 */
public final class LedgerJobRequestJson implements JobParameterJson<LedgerJobRequest> {

    @Override
    public Class<LedgerJobRequest> type() {
        return LedgerJobRequest.class;
    }

    @Override
    public void write(LedgerJobRequest request, JsonGenerator json) throws IOException {
        json.writeStartObject();
        stringUnlessNull("type", request.type(), json);
        stringUnlessNull("payload", request.payload(), json);
        numberUnlessNull("backoffBaseMillis", request.backoffBaseMillis(), json);
        numberUnlessNull("backoffMaxMillis", request.backoffMaxMillis(), json);
        stringUnlessNull("lane", request.lane() == null ? null : request.lane().toString(), json);
        stringUnlessNull("priority", request.priority() == null ? null : request.priority().toString(), json);
        numberUnlessNull("timeoutMillis", request.timeoutMillis(), json);
        stringUnlessNull("queue", request.queue(), json);
        stringUnlessNull("batch", request.batch(), json);
        stringUnlessNull("completesBatch", request.completesBatch(), json);
        if (request.batchTotal() != null) {
            json.writeNumberField("batchTotal", request.batchTotal());
        }
        if (request.thenOnEnded() != null) {
            json.writeBooleanField("thenOnEnded", request.thenOnEnded());
        }
        json.writeEndObject();
    }

    @Override
    public LedgerJobRequest read(JsonParser json) throws IOException, UnknownJobShape {
        String type = null;
        String payload = null;
        Long backoffBaseMillis = null;
        Long backoffMaxMillis = null;
        JobKind lane = null;
        JobPriority priority = null;
        Long timeoutMillis = null;
        String queue = null;
        String batch = null;
        String completesBatch = null;
        Integer batchTotal = null;
        Boolean thenOnEnded = null;
        while (json.nextToken() == JsonToken.FIELD_NAME) {
            switch (json.currentName()) {
                case "type" -> type = JsonValues.string(json);
                case "payload" -> payload = JsonValues.string(json);
                case "backoffBaseMillis" -> backoffBaseMillis = JsonValues.longValue(json);
                case "backoffMaxMillis" -> backoffMaxMillis = JsonValues.longValue(json);
                case "lane" -> lane = JsonValues.enumValue(json, JobKind.class);
                case "priority" -> priority = JsonValues.enumValue(json, JobPriority.class);
                case "timeoutMillis" -> timeoutMillis = JsonValues.longValue(json);
                case "queue" -> queue = JsonValues.string(json);
                case "batch" -> batch = JsonValues.string(json);
                case "completesBatch" -> completesBatch = JsonValues.string(json);
                case "batchTotal" -> batchTotal = JsonValues.intValue(json);
                case "thenOnEnded" -> thenOnEnded = JsonValues.booleanValue(json);
                default -> throw JsonValues.unknownField(json, "a job request");
            }
        }
        return new LedgerJobRequest(type, payload, backoffBaseMillis, backoffMaxMillis, lane, priority, timeoutMillis, queue,
                batch, completesBatch, batchTotal, thenOnEnded);
    }

    private static void stringUnlessNull(String name, String value, JsonGenerator json) throws IOException {
        if (value != null) {
            json.writeStringField(name, value);
        }
    }

    private static void numberUnlessNull(String name, Long value, JsonGenerator json) throws IOException {
        if (value != null) {
            json.writeNumberField(name, value);
        }
    }
}
