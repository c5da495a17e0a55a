package io.conveyor.worker.ledger;

import org.slf4j.Logger;

import java.time.Duration;

/**
 * The loop of a relay that carries out what the ledger holds for it ({@link DeletedJobsRelay}, {@link BatchCompletionRelay}):
 * rounds back to back while each finds a full batch, then a pause. A round that fails (the ledger or Kafka away) leaves
 * its rows in the ledger for the next round; the failure is logged once until a round succeeds again, not at every
 * pause of an outage.
 */
final class RelayRounds {

    /** One round; returns how many rows it carried out. */
    interface Round {
        int relay() throws Exception;
    }

    private RelayRounds() {
    }

    /** Runs rounds on the calling thread until it is interrupted. */
    static void run(Round round, int batch, Duration pause, Logger logger, String failure) {
        boolean failing = false;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                while (round.relay() == batch) {
                    // more are waiting
                }
                failing = false;
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                if (!failing) {
                    logger.warn("{}, trying again every {} ms: {}", failure, pause.toMillis(), e.toString());
                    failing = true;
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }
}
