package io.conveyor.api;

import io.conveyor.common.Metrics;
import io.conveyor.api.events.EventHub;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.jobrunr.storage.JobStats;
import org.jobrunr.storage.StorageProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The API's metrics: the jobs clients offered, by type and outcome, and the fleet as the ledger and Kafka show it (jobs
 * by state, workers alive, intake lag), read at most once a second however often Prometheus scrapes. Every API
 * instance reports the same fleet figures: aggregate them with {@code max}, not {@code sum}.
 */
public final class ApiMetrics implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(ApiMetrics.class);
    /** The outcomes of {@code conveyor_jobs_submitted_total}: accepted, refused as the client's fault, Kafka unavailable. */
    static final String ACCEPTED = "202", REFUSED = "4xx", UNAVAILABLE = "503";
    /** The type label of jobs refused before a type could be read. */
    static final String NO_TYPE = "(invalid)";
    static final Duration REFRESH = Duration.ofSeconds(1);
    private static final Map<String, Function<JobStats, Long>> STATES = Map.of(
            "AWAITING", JobStats::getAwaiting, "SCHEDULED", JobStats::getScheduled, "ENQUEUED", JobStats::getEnqueued,
            "PROCESSING", JobStats::getProcessing, "SUCCEEDED", JobStats::getSucceeded, "FAILED", JobStats::getFailed,
            "DELETED", JobStats::getDeleted);

    private final Metrics metrics;
    private final Cached<JobStats> ledger;
    private final Cached<OptionalLong> intakeLag;

    /**
     * @param ledger    the ledger's job counts, or null if this API has no ledger (tests of the HTTP layer alone)
     * @param intakeLag records on the jobs topic that no worker has written to the ledger yet; empty if Kafka does not say
     */
    public ApiMetrics(Metrics metrics, StorageProvider ledger, Supplier<OptionalLong> intakeLag) {
        this.metrics = metrics;
        this.ledger = new Cached<>(ledger == null ? () -> null : ledger::getJobStats, "the ledger's job counts");
        this.intakeLag = new Cached<>(intakeLag, "the intake lag");
        MeterRegistry registry = metrics.registry();
        STATES.forEach((state, count) -> Gauge.builder("conveyor.ledger.jobs", this, m -> m.ledgerCount(count))
                .description("Jobs in the ledger in this state").tag("state", state).register(registry));
        Gauge.builder("conveyor.workers.alive", this, m -> m.ledgerCount(stats -> (long) stats.getBackgroundJobServers()))
                .description("Worker processes registered in the ledger (their heartbeat is recent)").register(registry);
        Gauge.builder("conveyor.intake.lag", this, ApiMetrics::lag).baseUnit("records")
                .description("Job records on the jobs topic that no worker has written to the ledger yet").register(registry);
    }

    /** Publishes how many events {@code hub} read for this instance's live streams. */
    void countEventsRead(EventHub hub) {
        FunctionCounter.builder("conveyor.events.read", hub, EventHub::eventsRead)
                .description("Events of the events topic this API instance read for its live streams (none while no stream is open)")
                .register(metrics.registry());
    }

    /** Counts {@code jobs} jobs of {@code type} that a POST answered with {@code outcome}. */
    void submitted(String type, String outcome, int jobs) {
        Counter.builder("conveyor.jobs.submitted").description("Jobs offered to POST /jobs and /jobs/batch, by type and answer")
                .tags("type", type, "outcome", outcome).register(metrics.registry()).increment(jobs);
    }

    /** Prometheus' text format. */
    String scrape() {
        return metrics.scrape();
    }

    private double ledgerCount(Function<JobStats, Long> count) {
        JobStats stats = ledger.get();
        Long value = stats == null ? null : count.apply(stats);
        return value == null ? Double.NaN : value;
    }

    private double lag() {
        OptionalLong lag = intakeLag.get();
        return lag == null || lag.isEmpty() ? Double.NaN : lag.getAsLong();
    }

    @Override
    public void close() {
        metrics.close();
    }

    /** A value read at most once per {@link #REFRESH}; null while it cannot be read. */
    private static final class Cached<T> {

        private final Supplier<T> source;
        private final String what;
        private long readAt = Long.MIN_VALUE;
        private T value;

        Cached(Supplier<T> source, String what) {
            this.source = source;
            this.what = what;
        }

        synchronized T get() {
            long now = System.nanoTime();
            if (readAt == Long.MIN_VALUE || now - readAt >= REFRESH.toNanos()) {
                readAt = now;
                try {
                    value = source.get();
                } catch (RuntimeException e) {
                    LOGGER.debug("metrics: cannot read {}: {}", what, e.toString());
                    value = null;
                }
            }
            return value;
        }
    }
}
