package io.conveyor.api;

import io.conveyor.api.events.EventHub;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.KafkaTopics;
import io.conveyor.common.Metrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The api role, wired in one place: the Kafka producer, the ledger reader, the HTTP API and the dashboard.
 * <p>
 * Submissions touch only Kafka, so the API keeps accepting jobs while PostgreSQL is down, and starts without it: reads
 * answer 503 until the ledger is reached ({@link LateLedger}), then reads and the dashboard are served. Kafka need not
 * be up at start either: POSTs answer 503 until it is.
 */
public final class ApiApplication implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(ApiApplication.class);
    /** The connections one API process holds: the GETs of the API and the dashboard's queries share them. */
    static final int LEDGER_POOL_SIZE = 4;
    private static final Duration TOPIC_RETRY_DELAY = Duration.ofSeconds(5);

    private final Thread topicSetup;
    private final LateLedger ledger;
    private final JobSubmitter submitter;
    private final ApiServer http;
    private final DashboardServer dashboard;
    private final KafkaProbe kafkaProbe;
    private final ApiMetrics metrics;
    private final EventHub events;

    private ApiApplication(Thread topicSetup, LateLedger ledger, JobSubmitter submitter, ApiServer http, DashboardServer dashboard,
                           KafkaProbe kafkaProbe, ApiMetrics metrics, EventHub events) {
        this.events = events;
        this.kafkaProbe = kafkaProbe;
        this.metrics = metrics;
        this.topicSetup = topicSetup;
        this.ledger = ledger;
        this.submitter = submitter;
        this.http = http;
        this.dashboard = dashboard;
    }

    /** An API without authentication (tests, and callers that protect it otherwise). */
    public static ApiApplication start(ApiSettings settings, KafkaSettings kafka, DatabaseSettings database) {
        return start(settings, ApiAuthSettings.NONE, kafka, database, Clock.systemUTC());
    }

    public static ApiApplication start(ApiSettings settings, ApiAuthSettings auth, KafkaSettings kafka, DatabaseSettings database) {
        return start(settings, auth, kafka, database, Clock.systemUTC());
    }

    public static ApiApplication start(ApiSettings settings, KafkaSettings kafka, DatabaseSettings database, Clock clock) {
        return start(settings, ApiAuthSettings.NONE, kafka, database, clock);
    }

    public static ApiApplication start(ApiSettings settings, ApiAuthSettings auth, KafkaSettings kafka, DatabaseSettings database, Clock clock) {
        if (auth.tokensRequired()) {
            LOGGER.info("the API asks for bearer tokens: {} configured ({})", auth.tokens().size(), ApiAuthSettings.API_TOKENS);
        } else {
            LOGGER.warn("{} is not set: the API accepts every caller, who may submit, read and change any job", ApiAuthSettings.API_TOKENS);
        }
        if (auth.dashboardUser().isEmpty()) {
            LOGGER.warn("{} is not set: the dashboard, which can delete and requeue jobs, is open to everyone who reaches its port",
                    ApiAuthSettings.DASHBOARD_USER);
        }
        if (settings.usesDefaultIdSecret()) {
            LOGGER.info("{} is not set: job ids are tagged with the development secret; give every API instance of a"
                    + " deployment the same secret of its own", ApiSettings.ID_SECRET);
        }
        Thread topicSetup = ensureTopics(kafka, settings.submitTimeout());
        LateLedger ledger = null;
        JobSubmitter submitter = null;
        ApiServer http = null;
        KafkaProbe kafkaProbe = null;
        ApiMetrics metrics = null;
        EventHub events = null;
        try {
            ledger = openLedger(database);
            submitter = KafkaJobSubmitter.create(kafka, settings);
            kafkaProbe = new KafkaProbe(kafka);
            metrics = new ApiMetrics(new Metrics(), ledger.storageProvider(), kafkaProbe::intakeLag);
            JobIds ids = new JobIds(settings.idSecret(), clock);
            events = new EventHub(kafka, "conveyor-api");
            metrics.countEventsRead(events);
            http = ApiServer.start(settings, ids, submitter, new LedgerReader(ledger.storageProvider(), new BatchProgress(ledger.dataSource())::of),
                    new JobControl(ledger.dataSource(), ledger.storageProvider(), ledger.jsonMapper(), ids, clock, settings.maxBodyBytes()), events, clock,
                    new OperationsEndpoints(metrics, health(kafkaProbe, ledger)), new BearerAuth(auth));
            DashboardServer dashboard = DashboardServer.start(settings.dashboardPort(), ledger.storageProvider(), ledger.jsonMapper(),
                    new RecurringTrigger(submitter, ids, clock), auth.dashboardUser().flatMap(user -> auth.dashboardPassword().map(password -> Map.entry(user, password))));
            LOGGER.info("API on http://localhost:{}/jobs, dashboard on http://localhost:{}/dashboard", http.port(), dashboard.port());
            return new ApiApplication(topicSetup, ledger, submitter, http, dashboard, kafkaProbe, metrics, events);
        } catch (RuntimeException e) {
            topicSetup.interrupt();
            closeQuietly(http);
            closeQuietly(events);
            closeQuietly(metrics);
            closeQuietly(kafkaProbe);
            closeQuietly(submitter);
            closeQuietly(ledger);
            throw e;
        }
    }

    /**
     * The API's ledger: the tables it reads are made before anyone reads it, the job list's indexes are built afterwards
     * in the background (readiness and reads never wait for them).
     */
    static LateLedger openLedger(DatabaseSettings database) {
        return LateLedger.open(database, "conveyor-api", LEDGER_POOL_SIZE, opened -> JobControl.prepareLedger(opened.dataSource()),
                opened -> JobListIndexes.buildInBackground(() -> opened.connectAlone("conveyor-api-list-indexes")));
    }

    /** Ready while Kafka answers (submissions) and the ledger does (reads, the dashboard). */
    private static ApiHealth health(KafkaProbe kafka, LateLedger ledger) {
        Map<String, BooleanSupplier> components = new LinkedHashMap<>();
        components.put("kafka", kafka::answers);
        components.put("ledger", () -> {
            try (Connection connection = ledger.dataSource().getConnection()) {
                return connection.isValid((int) ApiHealth.CHECK_TIMEOUT.toSeconds());
            } catch (SQLException e) {
                return false;
            }
        });
        return new ApiHealth(components);
    }

    /**
     * Creates the topics on a thread of its own, waiting for it at most {@code wait}: with Kafka down the API still
     * starts, and the thread keeps trying until Kafka answers or the API stops.
     */
    private static Thread ensureTopics(KafkaSettings kafka, Duration wait) {
        Thread thread = Thread.ofVirtual().name("conveyor-api-topics").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    KafkaTopics.ensureExist(kafka);
                    return;
                } catch (RuntimeException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        return;
                    }
                    LOGGER.warn("could not make sure the Kafka topics exist ({}); trying again in {} s", e.getMessage(), TOPIC_RETRY_DELAY.toSeconds());
                }
                try {
                    Thread.sleep(TOPIC_RETRY_DELAY);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try {
            if (!thread.join(wait)) {
                LOGGER.warn("Kafka at {} did not answer within {} ms; starting anyway, job submissions answer 503 until it does",
                        kafka.bootstrapServers(), wait.toMillis());
            }
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the Kafka topics", e);
        }
        return thread;
    }

    /** The port of the HTTP API. */
    public int port() {
        return http.port();
    }

    /** Every route the HTTP API answers, as {@code METHOD /path} (the OpenAPI document is held to them). */
    public java.util.List<String> routes() {
        return http.routes();
    }

    /** The port of the JobRunr dashboard. */
    public int dashboardPort() {
        return dashboard.port();
    }

    /** Stops taking requests, then closes the producer (sending what it holds) and the ledger. */
    @Override
    public void close() {
        topicSetup.interrupt();
        closeQuietly(http);
        closeQuietly(events);
        closeQuietly(dashboard);
        closeQuietly(metrics);
        closeQuietly(kafkaProbe);
        closeQuietly(submitter);
        closeQuietly(ledger);
        try {
            topicSetup.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOGGER.warn("failed to close {}", closeable.getClass().getSimpleName(), e);
        }
    }
}
