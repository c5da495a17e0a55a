package io.conveyor.common;

import java.util.Objects;
import java.util.UUID;

/**
 * What makes a job a batch's completion job ({@code then} of {@code POST /batches}): the batch it completes, how many
 * members the batch has, and whether it runs once every member succeeded or once every member ended.
 * <p>
 * It travels with the completion job through Kafka into the ledger, where it declares the batch: the ledger decides
 * "all members ended" only once it holds this job and {@code total} members (a batch whose members are still in Kafka
 * is not done).
 *
 * @param batch   the batch's id
 * @param total   how many members the batch has, 1 or more
 * @param onEnded true: run once every member ended, whatever its end ({@code "thenWhen": "ended"}); false: run once
 *                every member succeeded, and end DELETED as soon as one fails for good ({@code "succeeded"}, the default)
 */
public record BatchCompletion(UUID batch, int total, boolean onEnded) {

    /**
     * The reason of the SCHEDULED state a completion job waits in until its batch is decided, followed by the batch's id
     * (the API reads it to show the batch's progress as the waiting job's).
     */
    public static final String WAITING_REASON_PREFIX = "waiting for batch ";

    /** The {@code thenWhen} of a completion that waits for every member to succeed (the default). */
    public static final String WHEN_SUCCEEDED = "succeeded";
    /** The {@code thenWhen} of a completion that waits for every member to end. */
    public static final String WHEN_ENDED = "ended";

    public BatchCompletion {
        Objects.requireNonNull(batch, "batch");
        if (total < 1) {
            throw new IllegalArgumentException("a batch has at least one member, was " + total);
        }
    }

    /** The wire name of {@link #onEnded}. */
    public String thenWhen() {
        return onEnded ? WHEN_ENDED : WHEN_SUCCEEDED;
    }

    /** Reads a {@code thenWhen}: {@code null} is the default; anything but the two names throws. */
    public static boolean onEnded(String thenWhen) {
        if (thenWhen == null || WHEN_SUCCEEDED.equals(thenWhen)) {
            return false;
        }
        if (WHEN_ENDED.equals(thenWhen)) {
            return true;
        }
        throw new InvalidJobException("thenWhen", "thenWhen must be \"" + WHEN_SUCCEEDED + "\" or \"" + WHEN_ENDED + "\", was \"" + thenWhen + "\"");
    }
}
