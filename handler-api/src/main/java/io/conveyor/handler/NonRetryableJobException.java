package io.conveyor.handler;

/**
 * Thrown by a handler when retrying cannot help (e.g. an invalid payload): the job fails at once and stays FAILED.
 */
public class NonRetryableJobException extends RuntimeException {

    public NonRetryableJobException(String message) {
        super(message);
    }

    public NonRetryableJobException(String message, Throwable cause) {
        super(message, cause);
    }
}
