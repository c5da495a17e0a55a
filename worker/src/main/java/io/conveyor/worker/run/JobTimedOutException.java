package io.conveyor.worker.run;

import java.time.Duration;

/**
 * An attempt ran past its timeout. An ordinary failure: retried after the job's back-off while attempts remain. It has
 * no cause on purpose: JobRunr takes a failure caused by an {@link InterruptedException} for its server stopping.
 */
public final class JobTimedOutException extends RuntimeException {

    public JobTimedOutException(Duration timeout) {
        this("timed out after " + timeout.toMillis() + " ms");
    }

    public JobTimedOutException(String message) {
        super(message, null, false, false);
    }
}
