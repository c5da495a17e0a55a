package io.conveyor.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.conveyor.common.InvalidJobException;
import io.conveyor.common.JobSubmissionJson;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Set;

/**
 * Reads a {@code POST /batches} body {@code {"jobs": [...], "then": {...}, "thenWhen": ...}} as a stream of JSON
 * tokens (Jackson's streaming parser), never whole: each member is read on its own (at most {@code maxMemberBytes} of
 * JSON, the limit of a {@code POST /jobs} body) and handed to a {@link MemberSink} with its index, which checks it and
 * keeps it elsewhere. The fields may come in any order; the first thing wrong ends the read with the problem to answer:
 * 400 (not JSON), 413 (the body, a member or the number of members over its limit), 422 (a member, naming its index;
 * a missing or malformed {@code then} or {@code thenWhen}; an unknown field).
 */
final class BatchBodyReader {

    /** The fields of a batch's body. */
    static final Set<String> FIELDS = Set.of("jobs", "then", "thenWhen");

    private static final JsonFactory JSON = JobSubmissionJson.MAPPER.getFactory();

    /** Checks and keeps one member; throws {@link InvalidJobException} for a member that breaks a rule. */
    @FunctionalInterface
    interface MemberSink {
        void accept(int index, JsonNode member);
    }

    /** What the body holds besides its members: the completion job as sent, how many members, and {@code thenWhen}. */
    record Batch(JsonNode then, int members, String thenWhen) {
    }

    private final long maxBodyBytes;
    private final int maxMemberBytes;
    private final int memberLimit;

    BatchBodyReader(long maxBodyBytes, int maxMemberBytes, int memberLimit) {
        this.maxBodyBytes = maxBodyBytes;
        this.maxMemberBytes = maxMemberBytes;
        this.memberLimit = memberLimit;
    }

    /**
     * Reads the body from {@code in} ({@code declaredLength} bytes, negative if unknown), handing each member to
     * {@code members} in order. Throws {@link ProblemException} for the first thing wrong, after reading and dropping
     * the rest of the body (up to {@link JsonBodyReader#DISCARD_LIMIT_BYTES}), so that the client reads the answer.
     */
    Batch read(InputStream in, long declaredLength, MemberSink members) {
        if (declaredLength > maxBodyBytes) {
            JsonBodyReader.discardRest(in, declaredLength);
            throw bodyTooLarge(declaredLength + " bytes");
        }
        try {
            return parse(new Limited(in, maxBodyBytes), members);
        } catch (RuntimeException e) {
            JsonBodyReader.discardRest(in, JsonBodyReader.DISCARD_LIMIT_BYTES);
            throw e;
        }
    }

    private Batch parse(InputStream in, MemberSink members) {
        try (JsonParser parser = JSON.createParser(in)) {
            parser.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new ProblemException(Problem.malformedJson("the request body is empty; send a JSON document"));
            }
            if (first != JsonToken.START_OBJECT) {
                throw invalid("", "a batch must be a JSON object {\"jobs\": [...], \"then\": {...}, \"thenWhen\": ...}, was " + kind(first));
            }
            int count = -1;
            JsonNode then = null;
            JsonNode thenWhen = null;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                parser.nextToken();
                switch (field) {
                    case "jobs" -> count = members(parser, members);
                    case "then" -> then = value(parser, "then");
                    case "thenWhen" -> thenWhen = value(parser, "thenWhen");
                    default -> throw invalid(field, "unknown field " + field + "; allowed: " + FIELDS.stream().sorted().toList());
                }
            }
            if (parser.nextToken() != null) {
                throw new ProblemException(Problem.malformedJson("the request body holds more than one JSON document"));
            }
            if (count < 0) {
                throw invalid("jobs", "jobs must be a non-empty array of jobs");
            }
            if (thenWhen != null && !thenWhen.isNull() && !thenWhen.isTextual()) {
                throw invalid("thenWhen", "thenWhen must be \"succeeded\" or \"ended\"");
            }
            if (then == null || !then.isObject()) {
                throw invalid("then", "then must be the job that runs once the batch's jobs ended: an object like a job of POST /jobs");
            }
            return new Batch(then, count, thenWhen == null || thenWhen.isNull() ? null : thenWhen.textValue());
        } catch (BodyTooLarge e) {
            throw bodyTooLarge("more than " + maxBodyBytes + " bytes");
        } catch (JsonProcessingException e) {
            throw JsonBodyReader.malformed(e);
        } catch (IOException e) {
            throw new ProblemException(Problem.status(400, "the request body could not be read: " + e.getMessage()));
        }
    }

    /** Reads the {@code jobs} array, handing each member on; returns how many there were. */
    private int members(JsonParser parser, MemberSink members) throws IOException {
        if (parser.currentToken() != JsonToken.START_ARRAY) {
            throw invalid("jobs", "jobs must be a non-empty array of jobs");
        }
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (index == memberLimit) {
                throw new ProblemException(Problem.tooLarge("the batch holds more than " + memberLimit + " jobs; the limit is "
                        + memberLimit + " (" + ApiSettings.BATCH_MEMBERS_LIMIT + ")"));
            }
            JsonNode member = bounded(parser, "job at index " + index);
            try {
                members.accept(index, member);
            } catch (InvalidJobException e) {
                throw new ProblemException(Problem.invalidJob(index, e));
            }
            index++;
        }
        if (index == 0) {
            throw invalid("jobs", "jobs must be a non-empty array of jobs");
        }
        return index;
    }

    private JsonNode value(JsonParser parser, String field) throws IOException {
        return bounded(parser, "the field " + field);
    }

    /**
     * The value at the parser's current token, read token by token into a buffer that may not pass the limit of one
     * job: a member of a gigabyte is refused after a megabyte, not once it filled the heap.
     */
    private JsonNode bounded(JsonParser parser, String what) throws IOException {
        long start = offset(parser.currentTokenLocation());
        try (TokenBuffer copy = new TokenBuffer(parser)) {
            int depth = 0;
            do {
                JsonToken token = parser.currentToken();
                copy.copyCurrentEvent(parser);
                if (token.isStructStart()) {
                    depth++;
                } else if (token.isStructEnd()) {
                    depth--;
                }
                if (offset(parser.currentLocation()) - start > maxMemberBytes) {
                    throw new ProblemException(Problem.tooLarge(what + " is more than " + maxMemberBytes + " bytes, the limit of one job ("
                            + ApiSettings.MAX_BODY_BYTES + ")"));
                }
            } while (depth > 0 && parser.nextToken() != null);
            try (JsonParser buffered = copy.asParserOnFirstToken()) {
                return JobSubmissionJson.MAPPER.readTree(buffered);
            }
        }
    }

    private static String kind(JsonToken token) {
        return switch (token) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            default -> "null";
        };
    }

    /** Where the parser is in the body: bytes, or characters for a body Jackson decodes as UTF-16 or UTF-32. */
    private static long offset(JsonLocation location) {
        return location.getByteOffset() >= 0 ? location.getByteOffset() : location.getCharOffset();
    }

    private static ProblemException invalid(String field, String detail) {
        return new ProblemException(Problem.invalidJob(new InvalidJobException(field, detail)));
    }

    private ProblemException bodyTooLarge(String size) {
        return new ProblemException(Problem.tooLarge("the request body is " + size + "; the limit of a batch is " + maxBodyBytes
                + " bytes (" + ApiSettings.BATCH_MAX_BODY_BYTES + ")"));
    }

    /** Thrown by the body's stream once it passed the limit: the body is not read further. */
    private static final class BodyTooLarge extends IOException {
        BodyTooLarge() {
            super("the body is over its limit");
        }
    }

    /** The body's bytes up to the limit; reading past it throws {@link BodyTooLarge}. */
    private static final class Limited extends FilterInputStream {

        private final long limit;
        private long read;

        Limited(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws BodyTooLarge {
            read += n;
            if (read > limit) {
                throw new BodyTooLarge();
            }
        }

        @Override
        public void close() {
            // the request's stream is the server's to close
        }
    }
}
