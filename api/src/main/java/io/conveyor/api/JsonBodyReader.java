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

    /** The largest oversized body read to its end before the 413 (see {@link #discardRest}). */
    static final long DISCARD_LIMIT_BYTES = 64L * 1024 * 1024;

    private final int maxBytes;

    JsonBodyReader(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The body as JSON; throws {@link ProblemException} with 413 if it is too large and 400 if it is not JSON. */
    JsonNode read(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        byte[] body;
        try (InputStream in = ctx.req().getInputStream()) {
            if (declared > maxBytes) {
                discardRest(in, declared);
                throw tooLarge(declared + " bytes");
            }
            // Chunked bodies declare no length: read one byte past the limit to know whether it was crossed.
            body = in.readNBytes(maxBytes + 1);
            if (body.length > maxBytes) {
                discardRest(in, DISCARD_LIMIT_BYTES);
                throw tooLarge("more than " + maxBytes + " bytes");
            }
        } catch (IOException e) {
            throw new ProblemException(Problem.status(400, "the request body could not be read: " + e.getMessage()));
        }
        if (body.length == 0) {
            throw new ProblemException(Problem.malformedJson("the request body is empty; send a JSON document"));
        }
        try {
            return READER.readTree(body);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new IllegalStateException("reading JSON from memory cannot fail on I/O", e);
        }
    }

    /**
     * Reads and drops the rest of a body too large to use, up to {@link #DISCARD_LIMIT_BYTES}. Answering 413 while the
     * client is still sending makes the server close the connection under it, and a client that writes its whole body
     * before reading (Java's HttpClient does) then sees a reset instead of the 413. Beyond the limit the body is left
     * unread: the connection closes, as it must for a client that sends that much.
     */
    static void discardRest(InputStream in, long upTo) {
        if (upTo > DISCARD_LIMIT_BYTES) {
            return;
        }
        byte[] sink = new byte[64 * 1024];
        try {
            long read = 0;
            for (int n; read < upTo && (n = in.read(sink)) >= 0; ) {
                read += n;
            }
        } catch (IOException e) {
            // the client went away: nobody is waiting for the answer
        }
    }

    private ProblemException tooLarge(String size) {
        return new ProblemException(Problem.tooLarge("the request body is " + size + "; the limit is " + maxBytes
                + " bytes (" + ApiSettings.MAX_BODY_BYTES + ")"));
    }

    /** The 400 for a body that is not JSON, saying what Jackson found where. */
    static ProblemException malformed(JsonProcessingException e) {
        return new ProblemException(Problem.malformedJson("the request body is not valid JSON: " + withoutSource(e.getOriginalMessage()) + at(e.getLocation())));
    }

    /** Jackson names the (redacted) source inside its messages; a client knows what it sent. */
    private static String withoutSource(String message) {
        return SOURCE.matcher(message).replaceAll("[");
    }

    private static String at(JsonLocation location) {
        return location == null || location.getLineNr() < 1 ? "" : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }
}
