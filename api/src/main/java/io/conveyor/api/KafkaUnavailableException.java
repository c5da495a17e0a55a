package io.conveyor.api;

/**
 * Kafka did not acknowledge a job in time (broker down, unreachable or overloaded); the API answers 503, and the
 * client should retry later. The job may still have been written, in which case the retry makes a second one.
 */
public class KafkaUnavailableException extends RuntimeException {

    public KafkaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
