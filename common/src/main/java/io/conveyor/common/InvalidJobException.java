package io.conveyor.common;

/**
 * A job request that breaks a rule of the contract; the API answers it with 422 naming the field.
 */
public class InvalidJobException extends IllegalArgumentException {

    private final String field;

    public InvalidJobException(String field, String message) {
        super(message);
        this.field = field;
    }

    /** As JobRunr rebuilds it from a FAILED state in the ledger (the type and message are all it keeps). */
    public InvalidJobException(String message) {
        this("", message);
    }

    /** The JSON field at fault, e.g. {@code type} or {@code payload}. */
    public String field() {
        return field;
    }
}
