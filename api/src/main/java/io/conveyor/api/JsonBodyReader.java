package io.conveyor.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.conveyor.common.JobSubmissionJson;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Pattern;

/**
 * Reads a request body as a JSON tree within the body size limit, whatever its Content-Type: {@code curl -d} sends
 * JSON labelled as a form, and a client should not need to know that to submit a job.
 */
final class JsonBodyReader {

    // Strict where Jackson is lenient by default: "{...}}" or a field given twice is a client bug worth reporting.
    private static final ObjectReader READER = JobSubmissionJson.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final Pattern SOURCE = Pattern.compile("\\[Source: [^;]*; ");

    private final int maxBytes;

    JsonBodyReader(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The body as JSON; throws {@link ProblemException} with 413 if it is too large and 400 if it is not JSON. */
    JsonNode read(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > maxBytes) {
            // Refused before reading: there is no point in receiving a body we will not use.
            throw tooLarge(declared + " bytes");
        }
        byte[] body;
        try (InputStream in = ctx.req().getInputStream()) {
            // Chunked bodies declare no length: read one byte past the limit to know whether it was crossed.
            body = in.readNBytes(maxBytes + 1);
        } catch (IOException e) {
            throw new ProblemException(Problem.status(400, "the request body could not be read: " + e.getMessage()));
        }
        if (body.length > maxBytes) {
            throw tooLarge("more than " + maxBytes + " bytes");
        }
        if (body.length == 0) {
            throw new ProblemException(Problem.malformedJson("the request body is empty; send a JSON document"));
        }
        try {
            return READER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new ProblemException(Problem.malformedJson("the request body is not valid JSON: " + withoutSource(e.getOriginalMessage()) + at(e.getLocation())));
        } catch (IOException e) {
            throw new IllegalStateException("reading JSON from memory cannot fail on I/O", e);
        }
    }

    private ProblemException tooLarge(String size) {
        return new ProblemException(Problem.tooLarge("the request body is " + size + "; the limit is " + maxBytes
                + " bytes (" + ApiSettings.MAX_BODY_BYTES + ")"));
    }

    /** Jackson names the (redacted) source inside its messages; a client knows what it sent. */
    private static String withoutSource(String message) {
        return SOURCE.matcher(message).replaceAll("[");
    }

    private static String at(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
}
