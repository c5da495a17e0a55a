package io.conveyor.api;

/**
 * Too many submissions wait for Kafka already ({@link PendingSubmissions}): the API answers 503 with {@code Retry-After}
 * at once; nothing was sent.
 */
public class SubmissionsOverloadedException extends RuntimeException {

    public SubmissionsOverloadedException(String message) {
        super(message);
    }
}
