package io.conveyor.worker.ledger;

import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.storage.ConcurrentJobModificationException;
import org.jobrunr.storage.JobNotFoundException;
import org.jobrunr.storage.StorageException;
import org.jobrunr.storage.StorageProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Records succeeded jobs in the ledger in batches, on one thread of its own: JobRunr saves each job's SUCCEEDED state
 * in a transaction of its own on the job's thread, so a short job's thread spent most of its time waiting for a
 * commit. Here the job thread only queues the job and takes the next one; whatever succeeded while the previous
 * batch was being written goes into the next batch, one transaction (no added wait: an idle writer writes a single
 * job at once). The state-applied filters (events) run after the batch is committed, as JobRunr runs them after its
 * save.
 *
 * <p>A job still in the queue is PROCESSING in the ledger; if this worker dies before writing it, the job is
 * re-run elsewhere like any job of a dead worker (at least once). On a graceful stop {@link #close()} writes
 * everything queued before the unfinished jobs are handed back. While the ledger database cannot be reached the
 * writer keeps its batch and tries again until it can (a success is never dropped for an outage); jobs that succeed
 * meanwhile wait in the queue.
 *
 * <p>The jobs a succeeded job fanned out ({@link FanOuts}) are inserted in the transaction that records its success, and
 * only if that records it: a parent whose success is not written (its worker died, someone changed it meanwhile) has no
 * children, and its next attempt makes them.
 *
 * <p>A {@link SuccessRider} may ride in a batch's transaction (the worker's claim for the places the batch's jobs freed):
 * one commit then records the successes and starts the next jobs. The successes do not depend on it: a ride that fails
 * is dropped and the batch written again at once without it, and only the batch's first try offers it a ride.
 */
public final class SucceededJobsWriter implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(SucceededJobsWriter.class);
    /** The most jobs in one transaction: bounds the statement batch and the time other writers wait on its locks. */
    static final int MAX_BATCH = 256;
    /**
     * Pauses before writing a batch again that failed while the ledger answers; after the last one the batch is
     * dropped (its jobs stay PROCESSING until they are re-run). While the ledger does not answer, there is no last one.
     */
    private static final List<Duration> RETRY_DELAYS = List.of(Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(3));
    /** How often a batch is tried again while the ledger database cannot be reached. */
    private static final Duration OUTAGE_RETRY_DELAY = Duration.ofMillis(500);

    private final StorageProvider storage;
    private final DataSource dataSource;
    private final JobRows rows;
    private final AppliedStateFilters filters;
    private final BooleanSupplier ledgerAnswers;
    private final FanOuts fanOuts;
    private final Consumer<List<Job>> onInserted;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    /** Jobs queued and not yet written or dropped; guarded by itself for {@link #awaitWritten}. */
    private final AtomicInteger pending = new AtomicInteger();
    private final Thread thread;
    private volatile SuccessRider rider = SuccessRider.NONE;
    private volatile boolean running = true;

    /**
     * @param storage       reads and saves a job whose batched save met a newer version
     * @param ledgerAnswers whether the ledger database can be reached now
     * @param fanOuts       the jobs that succeeded jobs fanned out, written with their successes
     * @param onInserted    told of the fanned-out jobs written (after they were committed)
     */
    public SucceededJobsWriter(StorageProvider storage, DataSource dataSource, JobMapper jobMapper, AppliedStateFilters filters,
                               BooleanSupplier ledgerAnswers, FanOuts fanOuts, Consumer<List<Job>> onInserted) {
        this.fanOuts = fanOuts;
        this.onInserted = onInserted;
        this.storage = storage;
        this.dataSource = dataSource;
        this.rows = new JobRows(jobMapper);
        this.filters = filters;
        this.ledgerAnswers = ledgerAnswers;
        this.thread = Thread.ofPlatform().name("conveyor-succeeded-writer").daemon().start(this::loop);
    }

    /** Offers {@code rider} a ride in each batch's transaction; set before the first job is queued. */
    public void rideWith(SuccessRider rider) {
        this.rider = rider;
    }

    /** Queues a job whose SUCCEEDED state is elected (its election filters ran) for the next batch. */
    public void write(Job job) {
        pending.incrementAndGet();
        queue.add(job);
    }

    /** Waits until every job queued before this call is written (or dropped); false if that took longer than {@code atMost}. */
    public boolean awaitWritten(Duration atMost) throws InterruptedException {
        long deadline = System.nanoTime() + atMost.toNanos();
        synchronized (pending) {
            while (pending.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(pending, left);
            }
        }
        return true;
    }

    private void loop() {
        List<Job> batch = new ArrayList<>(MAX_BATCH);
        while (running || !queue.isEmpty()) {
            try {
                Job first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                writeWithRetries(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOGGER.error("could not record {} succeeded jobs; they stay PROCESSING until they are re-run", batch.size(), e);
            } finally {
                batch.forEach(job -> fanOuts.written(job.getId()));
                done(batch.size());
                batch.clear();
            }
        }
    }

    private void done(int jobs) {
        synchronized (pending) {
            pending.addAndGet(-jobs);
            pending.notifyAll();
        }
    }

    private void writeWithRetries(List<Job> batch) throws InterruptedException {
        SuccessRider.Ride ride = rider.rideWith(batch);
        try {
            boolean outageReported = false;
            for (int attempt = 0; ; ) {
                try {
                    writeBatch(batch, ride);
                    if (outageReported) {
                        LOGGER.info("recorded {} succeeded jobs that waited for the ledger", batch.size());
                    }
                    return;
                } catch (RideFailed e) {
                    LOGGER.warn("the work riding with {} succeeded jobs failed; writing them without it: {}", batch.size(), e.getCause().toString());
                    ride.close();
                    ride = SuccessRider.Ride.NONE;
                } catch (StorageException e) {
                    ride.close(); // at once: what it would have done does not wait for the ledger to come back
                    ride = SuccessRider.Ride.NONE;
                    if (running && !ledgerAnswers.getAsBoolean()) {
                        if (!outageReported) {
                            LOGGER.warn("the ledger cannot be reached: {} succeeded jobs wait, tried again every {} ms: {}",
                                    batch.size(), OUTAGE_RETRY_DELAY.toMillis(), e.toString());
                            outageReported = true;
                        }
                        Thread.sleep(OUTAGE_RETRY_DELAY);
                        continue;
                    }
                    if (attempt >= RETRY_DELAYS.size()) {
                        throw e;
                    }
                    LOGGER.warn("could not record {} succeeded jobs, trying again in {} ms: {}", batch.size(), RETRY_DELAYS.get(attempt).toMillis(), e.toString());
                    Thread.sleep(RETRY_DELAYS.get(attempt));
                    attempt++;
                }
            }
        } finally {
            ride.close();
        }
    }

    private void writeBatch(List<Job> batch, SuccessRider.Ride ride) {
        JobRows.Written written = rows.updateAlone(dataSource, batch, this::fannedOutBy, connection -> board(ride, connection));
        try {
            ride.committed();
        } catch (RuntimeException e) { // the successes are committed: they are not written again for it
            LOGGER.error("the work riding with {} succeeded jobs failed after their commit", batch.size(), e);
        }
        List<Job> saved = new ArrayList<>(batch);
        List<Job> inserted = new ArrayList<>(written.inserted());
        // Committed for the others. Each job that changed meanwhile is looked at again.
        for (Job changed : written.changedMeanwhile()) {
            saved.remove(changed);
            recordAfterConflict(changed, inserted).ifPresent(saved::add);
        }
        if (!inserted.isEmpty()) {
            onInserted.accept(inserted);
        }
        filters.run(saved);
    }

    /** Boards the ride, telling its failure from the successes' own: the batch is then written again without it. */
    private static void board(SuccessRider.Ride ride, Connection connection) {
        try {
            ride.board(connection);
        } catch (SQLException | RuntimeException e) {
            throw new RideFailed(e);
        }
    }

    private static final class RideFailed extends RuntimeException {
        RideFailed(Exception cause) {
            super(cause);
        }
    }

    private List<Job> fannedOutBy(List<Job> parents) {
        List<Job> children = new ArrayList<>();
        parents.forEach(parent -> children.addAll(fanOuts.of(parent.getId())));
        return children;
    }

    /**
     * A job whose save met a newer version in the ledger. If that version is still the same run, a save of this same
     * object got to the ledger while the object's version says it did not: a transaction reported failed after the
     * database committed it puts the object's version back ({@code JobListVersioner}), be it this writer's batch (then
     * tried again) or JobRunr's own periodic update of running jobs (a heartbeat). A heartbeat saved the run still
     * PROCESSING (it never saves an ending run, see {@code ConveyorJobServer}'s steward): the success is recorded on top
     * of it. A batch of this writer's saved this very success, with its result and the jobs it fanned out, but its
     * filters did not run: they run here. Otherwise someone else changed the job first (deleted it from the dashboard,
     * re-ran it as hung), and it keeps that change.
     */
    private Optional<Job> recordAfterConflict(Job succeeded, List<Job> inserted) {
        Job current;
        try {
            current = storage.getJobById(succeeded.getId());
        } catch (JobNotFoundException | org.jobrunr.scheduling.exceptions.JobNotFoundException e) {
            return Optional.empty(); // deleted for good
        }
        if (!sameRun(current, succeeded) || !(current.hasState(StateName.PROCESSING) || current.hasState(StateName.SUCCEEDED))) {
            LOGGER.info("job {} was changed by someone else meanwhile (now {}); its SUCCEEDED state is not recorded", succeeded.getId(), current.getState());
            return Optional.empty();
        }
        if (current.hasState(StateName.SUCCEEDED)) {
            // An earlier try of this batch committed them with the success, and this insert finds them there; it stays
            // so that a success ever recorded alone still gets its children.
            inserted.addAll(insertAlone(fanOuts.of(succeeded.getId())));
            return Optional.of(succeeded); // the applied filters run at most once: the job's state changes are taken once
        }
        current.succeeded();
        current.getMetadata().putAll(succeeded.getMetadata()); // the result, as the election put it on the job
        try {
            // JobRunr's save is a transaction of its own: the children go first, so a success is never without them; if
            // the save then fails, the next attempt's children are these (the same ids).
            inserted.addAll(insertAlone(fanOuts.of(succeeded.getId())));
            return Optional.of(storage.save(current));
        } catch (ConcurrentJobModificationException again) {
            LOGGER.info("job {} changed again while its success was being recorded; left as it is", succeeded.getId());
            return Optional.empty();
        }
    }

    /** Whether the ledger's latest run of the job is the run that succeeded here (the same start on the same server). */
    private static boolean sameRun(Job current, Job succeeded) {
        Optional<ProcessingState> ours = succeeded.getLastJobStateOfType(ProcessingState.class);
        Optional<ProcessingState> theirs = current.getLastJobStateOfType(ProcessingState.class);
        return ours.isPresent() && theirs.isPresent() && ours.get().getServerId().equals(theirs.get().getServerId())
                && ours.get().getCreatedAt().equals(theirs.get().getCreatedAt());
    }

    private List<Job> insertAlone(List<Job> jobs) {
        if (jobs.isEmpty()) {
            return List.of();
        }
        try (Connection connection = dataSource.getConnection()) {
            return rows.insert(connection, jobs); // auto-commit: one statement
        } catch (SQLException e) {
            throw new StorageException(e);
        }
    }

    /** Writes what is queued, then stops. Call it after the job server stopped, so that no job is queued later. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(Duration.ofSeconds(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!queue.isEmpty()) {
            LOGGER.warn("stopped with {} succeeded jobs not recorded; they will be re-run", queue.size());
        }
    }
}
