package io.conveyor.worker.ledger;

import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.JobDefaultFilters;
import org.jobrunr.jobs.filters.JobFilterUtils;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.storage.ConcurrentJobModificationException;
import org.jobrunr.storage.JobNotFoundException;
import org.jobrunr.storage.StorageException;
import org.jobrunr.storage.StorageProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

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
 * everything queued before the unfinished jobs are handed back.
 */
public final class SucceededJobsWriter implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(SucceededJobsWriter.class);
    /** The most jobs in one transaction: bounds the statement batch and the time other writers wait on its locks. */
    static final int MAX_BATCH = 256;
    /** Pauses before writing a batch again while the ledger is unreachable; after the last one the batch is dropped. */
    private static final List<Duration> RETRY_DELAYS = List.of(Duration.ofMillis(200), Duration.ofSeconds(1), Duration.ofSeconds(3));

    private final StorageProvider storage;
    private final JobFilterUtils filters;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    public SucceededJobsWriter(StorageProvider storage, JobDefaultFilters jobFilters) {
        this.storage = storage;
        this.filters = new JobFilterUtils(jobFilters);
        this.thread = Thread.ofPlatform().name("conveyor-succeeded-writer").daemon().start(this::loop);
    }

    /** Queues a job whose SUCCEEDED state is elected (its election filters ran) for the next batch. */
    public void write(Job job) {
        queue.add(job);
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
                batch.clear();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOGGER.error("could not record {} succeeded jobs; they stay PROCESSING until the hang check re-runs them", batch.size(), e);
                batch.clear();
            }
        }
    }

    private void writeWithRetries(List<Job> batch) throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                writeBatch(batch);
                return;
            } catch (StorageException e) {
                if (attempt >= RETRY_DELAYS.size()) {
                    throw e;
                }
                LOGGER.warn("could not record {} succeeded jobs, trying again in {} ms: {}", batch.size(), RETRY_DELAYS.get(attempt).toMillis(), e.toString());
                Thread.sleep(RETRY_DELAYS.get(attempt));
            }
        }
    }

    private void writeBatch(List<Job> batch) {
        List<Job> saved = new ArrayList<>(batch);
        try {
            storage.save(batch);
        } catch (ConcurrentJobModificationException e) {
            // Committed for the others. Each job that changed meanwhile is looked at again.
            for (Job changed : e.getConcurrentUpdatedJobs()) {
                saved.removeIf(job -> job.getId().equals(changed.getId()));
                recordAfterConflict(changed).ifPresent(saved::add);
            }
        }
        filters.runOnStateAppliedFilters(saved);
    }

    /**
     * A job whose save met a newer version in the ledger. If that version is still the same run on the same worker,
     * the newer save was JobRunr's own periodic update of running jobs (a heartbeat) racing with the end of the job:
     * the success is recorded on top of it. Otherwise someone else changed the job first (deleted it from the
     * dashboard, re-ran it as hung), and it keeps that change.
     */
    private Optional<Job> recordAfterConflict(Job succeeded) {
        Job current;
        try {
            current = storage.getJobById(succeeded.getId());
        } catch (JobNotFoundException | org.jobrunr.scheduling.exceptions.JobNotFoundException e) {
            return Optional.empty(); // deleted for good
        }
        UUID ranOn = succeeded.getLastJobStateOfType(ProcessingState.class).map(ProcessingState::getServerId).orElse(null);
        if (current.getState() != StateName.PROCESSING || !current.<ProcessingState>getJobState().getServerId().equals(ranOn)) {
            LOGGER.info("job {} was changed by someone else meanwhile (now {}); its SUCCEEDED state is not recorded", succeeded.getId(), current.getState());
            return Optional.empty();
        }
        current.succeeded();
        current.getMetadata().putAll(succeeded.getMetadata()); // the result, as the election put it on the job
        try {
            return Optional.of(storage.save(current));
        } catch (ConcurrentJobModificationException again) {
            LOGGER.info("job {} changed again while its success was being recorded; left as it is", succeeded.getId());
            return Optional.empty();
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
