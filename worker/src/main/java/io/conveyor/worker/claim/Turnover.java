package io.conveyor.worker.claim;

import io.conveyor.worker.ledger.SuccessRider;
import org.jobrunr.jobs.Job;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Claims for the places that succeeded jobs freed in the transaction that records their successes: one commit ends a
 * batch of jobs and starts the next ones (in a steady stream, half the ledger's commits were claims). The claim rides
 * only if it gets the claim's turn at once ({@link LaneClaim#tryTurn}); otherwise the batch is written alone, as before.
 *
 * <p>No freed place is left unclaimed: a place is the writer's to claim for only if it was freed before the writer's
 * claim computed the lanes' room (the place is then in that room); every other freed place signals the claim thread
 * ({@code claimSoon}). Each succeeded job's place goes QUEUED (its success queued for the writer) → FREED (its run
 * ended: no signal, the writer will claim) → taken by the writer's claim; or QUEUED → PASSED (the writer's claim came
 * before the run ended) → the run's end signals. A writer that does not claim (the turn taken, claims stopped, its
 * transaction failed) gives its FREED places back to the claim thread at once.
 */
public final class Turnover implements SuccessRider {

    private static final Logger LOGGER = LoggerFactory.getLogger(Turnover.class);

    private enum Place { QUEUED, FREED, PASSED }

    private final ConcurrentMap<UUID, Place> places = new ConcurrentHashMap<>();
    private final LaneClaim claim;
    private final Runnable claimSoon;

    /** @param claimSoon signals the claim thread ({@link ClaimTrigger#claimSoon}) */
    public Turnover(LaneClaim claim, Runnable claimSoon) {
        this.claim = claim;
        this.claimSoon = claimSoon;
    }

    /** Before the job's success is queued for the writer. */
    void successQueued(Job job) {
        places.put(job.getId(), Place.QUEUED);
    }

    /** After the job's place on its lane was freed; true if the writer's claim will claim for it, false if someone must be told. */
    boolean placeFreed(Job job) {
        Place[] was = new Place[1];
        places.compute(job.getId(), (id, place) -> {
            was[0] = place;
            return place == Place.QUEUED ? Place.FREED : null;
        });
        return was[0] == Place.QUEUED;
    }

    /**
     * The writer's claim is about to compute the room: the places already freed are in it (taken off), the others will
     * signal as their runs end. Returns how many freed places it took.
     */
    private int reach(List<Job> succeeded) {
        int freed = 0;
        for (Job job : succeeded) {
            Place[] was = new Place[1];
            places.compute(job.getId(), (id, place) -> {
                was[0] = place;
                return place == Place.QUEUED ? Place.PASSED : place == Place.FREED ? null : place;
            });
            if (was[0] == Place.FREED) {
                freed++;
            }
        }
        return freed;
    }

    @Override
    public Ride rideWith(List<Job> succeeded) {
        return new ClaimRide(succeeded);
    }

    private final class ClaimRide implements Ride {

        private final List<Job> succeeded;
        private List<Job> claimed = List.of();
        private boolean boarded;
        private boolean done;

        ClaimRide(List<Job> succeeded) {
            this.succeeded = succeeded;
        }

        @Override
        public boolean board(Connection connection) throws SQLException {
            if (done) {
                return false;
            }
            if (!claim.tryTurn()) {
                close(); // another claim runs: it, or the one the signal brings, has the room
                return false;
            }
            boarded = true;
            reach(succeeded);
            claimed = claim.claimIn(connection);
            return true;
        }

        @Override
        public void committed() {
            if (!boarded || done) {
                return;
            }
            done = true;
            try {
                claim.handOver(claimed);
            } catch (RuntimeException e) { // as the claim thread's: a job not handed over stays PROCESSING here and is handed back
                LOGGER.warn("could not hand over the jobs claimed with succeeded jobs: {}", e.toString());
            } finally {
                claim.endTurn();
            }
        }

        @Override
        public void close() {
            if (done) {
                return;
            }
            done = true;
            if (boarded) {
                claim.endTurn(); // rolled back: the places it took are free again
                claimSoon.run();
            } else if (reach(succeeded) > 0) {
                claimSoon.run();
            }
        }
    }
}
