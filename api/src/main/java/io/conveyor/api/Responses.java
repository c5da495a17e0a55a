package io.conveyor.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.common.JobSubmissionJson;
import io.javalin.http.Context;

/**
 * Writes JSON and problem bodies with the contract's own mapper, so the API's JSON does not depend on Javalin's.
 */
final class Responses {

    static final String JSON = "application/json";

    private Responses() {
    }

    static void json(Context ctx, JsonNode body) {
        try {
            ctx.contentType(JSON).result(JobSubmissionJson.MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    static void problem(Context ctx, Problem problem) {
        ctx.status(problem.status()).contentType(Problem.CONTENT_TYPE).result(problem.toBytes(ctx.path()));
    }
}
