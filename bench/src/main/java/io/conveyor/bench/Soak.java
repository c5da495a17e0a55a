package io.conveyor.bench;

import io.conveyor.app.EmbeddedKafka;
import io.conveyor.app.JavaCommand;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.Topics;
import io.conveyor.worker.ledger.LedgerRetention;
import io.conveyor.worker.process.WorkerSettings;
import io.conveyor.worker.process.WorkerSupervisor;
import org.jobrunr.jobs.states.StateName;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code conveyor bench --soak N}: N noop jobs through dev's topology (a broker in this JVM, the API and the worker JVMs
 * each in a JVM of their own, so that each one's RSS is its own), submitted in full batches by a few clients that keep
 * at most {@link #IN_FLIGHT} jobs unfinished, with retention set short so that it works during the run. At every
 * checkpoint it prints the jobs done, the rate of the segment, each JVM's RSS and the ledger's rows and size.
 */
final class Soak implements AutoCloseable {

    /** Jobs submitted and not yet succeeded, at most: a steady flow, not a backlog in Kafka. */
    static final long IN_FLIGHT = 20_000;
    private static final Duration POLL = Duration.ofSeconds(1);
    /** A soak whose count of done jobs does not move for this long has stalled. */
    private static final Duration STALL = Duration.ofMinutes(5);

    /**
     * @param jobs      noop jobs in all
     * @param every     jobs between checkpoints
     * @param retention both retention settings of the workers
     */
    record Settings(long jobs, long every, Duration retention, int workerJvms, int threads, String heap, int clients) {

        String describe() {
            return String.format(Locale.ROOT, "soak: %,d noop jobs, a checkpoint every %,d; retention %d s (succeeded) + %d s (deleted); "
                            + "%d worker JVMs × %d threads (-Xmx%s), the API in a JVM of its own; %d clients, at most %,d jobs in flight",
                    jobs, every, retention.toSeconds(), retention.toSeconds(), workerJvms, threads, heap, clients, IN_FLIGHT);
        }
    }

    private final Settings settings;
    private final EmbeddedKafka kafka;
    private final WorkerSupervisor workers;
    private final ApiProcess api;
    private final LedgerProbe ledger;
    private final BenchPoster poster = new BenchPoster();

    private Soak(Settings settings, EmbeddedKafka kafka, WorkerSupervisor workers, ApiProcess api, LedgerProbe ledger) {
        this.settings = settings;
        this.kafka = kafka;
        this.workers = workers;
        this.api = api;
        this.ledger = ledger;
    }

    /** Starts the broker, the worker JVMs and the API JVM on {@code database}; logs and broker data go under {@code dir}. */
    static Soak start(Settings settings, DatabaseSettings database, Path dir) throws InterruptedException {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"));
            started.add(kafka);
            KafkaSettings kafkaSettings = new KafkaSettings(kafka.bootstrapServers(), new Topics(Topics.PREFIX_DEFAULT));
            Map<String, String> env = new LinkedHashMap<>(Map.of(
                    KafkaSettings.BOOTSTRAP, kafkaSettings.bootstrapServers(),
                    KafkaSettings.TOPIC_PREFIX, kafkaSettings.topics().prefix(),
                    DatabaseSettings.URL, database.jdbcUrl(),
                    DatabaseSettings.USER, database.user(),
                    DatabaseSettings.PASSWORD, database.password(),
                    WorkerSettings.JOB_THREADS, Integer.toString(settings.threads()),
                    WorkerSettings.NAME, "soak-worker",
                    WorkerSettings.DELETE_SUCCEEDED_AFTER_SECONDS, Long.toString(settings.retention().toSeconds()),
                    WorkerSettings.DELETE_DELETED_AFTER_SECONDS, Long.toString(settings.retention().toSeconds())));
            WorkerSupervisor workers = new WorkerSupervisor(settings.workerJvms(), JavaCommand.forRole(settings.heap(), "worker"), env, Optional.of(dir));
            started.add(workers);
            BenchDatabases.awaitServers(database, settings.workerJvms(), Duration.ofSeconds(90));
            ApiProcess api = ApiProcess.start(kafka.bootstrapServers(), database, dir.resolve("api.log"));
            started.add(api);
            LedgerProbe ledger = LedgerProbe.openAsDeployed(database, "bench-soak-ledger", 2);
            return new Soak(settings, kafka, workers, api, ledger);
        } catch (RuntimeException | InterruptedException e) {
            closeAll(started.reversed());
            throw e;
        }
    }

    /** Runs the soak, printing each checkpoint as it comes; returns the report. */
    SoakReport run() throws InterruptedException {
        URI batch = URI.create("http://127.0.0.1:" + api.port() + "/jobs/batch");
        String fullBatch = "[" + String.join(",", java.util.Collections.nCopies(ConveyorUnderBench.BATCH_SIZE, BenchJob.NOOP.json())) + "]";
        AtomicLong submitted = new AtomicLong();
        AtomicLong done = new AtomicLong();
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        long started = System.nanoTime();
        List<Thread> clients = new ArrayList<>();
        for (int i = 0; i < settings.clients(); i++) {
            clients.add(Thread.ofVirtual().name("bench-soak-client-" + i).start(() -> {
                try {
                    while (true) {
                        long taken = submitted.getAndAdd(ConveyorUnderBench.BATCH_SIZE);
                        if (taken >= settings.jobs()) {
                            return;
                        }
                        long size = Math.min(ConveyorUnderBench.BATCH_SIZE, settings.jobs() - taken);
                        while (taken - done.get() > IN_FLIGHT) {
                            Thread.sleep(50); // the ledger, not a signal, says how many are done
                        }
                        poster.post(batch, size == ConveyorUnderBench.BATCH_SIZE ? fullBatch
                                : "[" + String.join(",", java.util.Collections.nCopies((int) size, BenchJob.NOOP.json())) + "]");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    failure.compareAndSet(null, e);
                }
            }));
        }
        List<SoakReport.Checkpoint> checkpoints = new ArrayList<>();
        try {
            long next = Math.min(settings.every(), settings.jobs());
            long lastProgress = System.nanoTime();
            while (done.get() < settings.jobs()) {
                Thread.sleep(POLL);
                if (failure.get() != null) {
                    throw failure.get();
                }
                long now = ledger.succeededEver();
                if (now > done.get()) {
                    lastProgress = System.nanoTime();
                } else if (System.nanoTime() - lastProgress > STALL.toNanos()) {
                    throw new IllegalStateException("no job succeeded for " + STALL.toMinutes() + " minutes, at " + now + " done");
                }
                done.set(now);
                long failed = ledger.count(StateName.FAILED);
                if (failed > 0) {
                    throw new IllegalStateException(failed + " jobs FAILED; the soak expects every noop job to succeed");
                }
                if (now >= next) {
                    SoakReport.Checkpoint checkpoint = checkpoint(now, Duration.ofNanos(System.nanoTime() - started));
                    checkpoints.add(checkpoint);
                    print(checkpoint, checkpoints);
                    next = Math.min((now / settings.every() + 1) * settings.every(), settings.jobs());
                }
            }
        } finally {
            clients.forEach(Thread::interrupt);
            ConveyorUnderBench.joinAll(clients);
        }
        System.out.printf(Locale.ROOT, "submissions sent again after a 503: %,d%n", poster.retried());
        return new SoakReport(checkpoints, horizon(settings.retention()), IN_FLIGHT);
    }

    /**
     * A line on the server's autovacuum: without it, the space of the rows retention removes is not reused, and the jobs
     * table grows although its rows do not (as this project's shared test server, which runs with it off, showed).
     */
    String autovacuumNote() {
        String setting = ledger.autovacuum();
        return "PostgreSQL autovacuum: " + setting + (setting.equals("on") ? ""
                : " (the space of removed rows is not reused until a VACUUM: the jobs table's size grows although its rows do not)");
    }

    /** How long a finished job can stay in the ledger: each retention, and a retention round after each. */
    static Duration horizon(Duration retention) {
        return retention.multipliedBy(2).plus(LedgerRetention.ROUND_INTERVAL.multipliedBy(2));
    }

    private SoakReport.Checkpoint checkpoint(long jobsDone, Duration elapsed) {
        Map<String, Double> rss = new LinkedHashMap<>();
        rss.put("API", ProcessMemory.rssMegabytes(api.pid()).orElse(Double.NaN));
        List<Long> pids = workers.pids();
        for (int i = 0; i < pids.size(); i++) {
            rss.put("worker " + (i + 1), ProcessMemory.rssMegabytes(pids.get(i)).orElse(Double.NaN));
        }
        double bench = ProcessMemory.rssMegabytes(ProcessHandle.current().pid()).orElse(Double.NaN);
        return new SoakReport.Checkpoint(jobsDone, elapsed, rss, bench, ledger.rowsByState(), ledger.outboxRows(), ledger.tableBytes());
    }

    private void print(SoakReport.Checkpoint checkpoint, List<SoakReport.Checkpoint> checkpoints) {
        SoakReport sofar = new SoakReport(checkpoints, horizon(settings.retention()), IN_FLIGHT);
        List<String> rss = new ArrayList<>();
        checkpoint.rssMiB().forEach((jvm, mib) -> rss.add(String.format(Locale.ROOT, "%s %.0f", jvm, mib)));
        System.out.printf(Locale.ROOT, "soak %,d jobs done in %.0f s, %,.0f jobs/s this segment; RSS MiB: %s, bench JVM %.0f; ledger %s, outbox %,d,"
                        + " jobs table %.0f MiB; workers restarted %d; load %s%n",
                checkpoint.jobsDone(), checkpoint.elapsed().toMillis() / 1e3, sofar.segmentRate(checkpoints.size() - 1), String.join(", ", rss),
                checkpoint.benchRssMiB(), checkpoint.rowsByState(), checkpoint.outboxRows(), checkpoint.tableBytes() / 1048576.0,
                workers.restarts(), MachineInfo.loadAverage());
    }

    @Override
    public void close() {
        closeAll(List.of(ledger, poster, api, workers, kafka));
    }

    private static void closeAll(List<AutoCloseable> parts) {
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception e) {
                System.err.println("conveyor bench --soak: while stopping: " + e);
            }
        }
    }
}
