package io.conveyor.api;

/**
 * A job that Kafka refuses for its size although the request body was within the limit; the API answers 413.
 */
public class JobTooLargeException extends RuntimeException {

    public JobTooLargeException(String message, Throwable cause) {
        super(message, cause);
    }
}
