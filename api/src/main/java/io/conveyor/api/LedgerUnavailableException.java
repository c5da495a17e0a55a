package io.conveyor.api;

/**
 * The ledger (JobRunr's storage in PostgreSQL) could not be read; the API answers 503.
 */
public class LedgerUnavailableException extends RuntimeException {

    public LedgerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
