package io.conveyor.bench;

import io.conveyor.app.WorkerCommand;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Env;
import io.conveyor.worker.process.WorkerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code conveyor bench}: Conveyor and plain JobRunr side by side, in one run, on the same PostgreSQL server
 * (a database each) with the same number of worker threads: idle latency, noop throughput and intake, CPU-bound
 * throughput, single submissions under load, and memory. Prints one table and writes it to docs/BENCHMARKS.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark Conveyor against plain JobRunr on this machine (takes about 8 minutes; --quick about 2).",
                "Uses the PostgreSQL server of CONVEYOR_DB_URL (default 127.0.0.1:5432), creating and dropping a database per system."})
public final class BenchCommand implements Callable<Integer> {

    static final int REPEATS_DEFAULT = 3;
    static final int JOBS_DEFAULT = 20_000;
    static final int IDLE_JOBS_DEFAULT = 50;
    static final int IDLE_GAP_MS_DEFAULT = 200;
    static final int PRIMES_JOBS_DEFAULT = 200;
    static final int SLEEP_JOBS_DEFAULT = 2_000;
    /** How long each job of the waiting-jobs run waits. */
    static final long SLEEP_MILLIS = 100;
    /** Each primes job counts the primes in [PRIMES_FROM, PRIMES_FROM + range): about 50 ms of one core here. */
    static final long PRIMES_FROM = 1_000_000;
    static final long PRIMES_RANGE_DEFAULT = 100_000;
    static final int CLIENTS_DEFAULT = 32;
    static final int SUBMIT_SECONDS_DEFAULT = 5;
    static final int WORKER_JVMS_DEFAULT = 2;
    static final int BATCH_CLIENTS_DEFAULT = 2;
    static final String OUTPUT_DEFAULT = "docs/BENCHMARKS.md";
    static final long SOAK_JOBS_DEFAULT = 1_000_000;
    static final long SOAK_EVERY_DEFAULT = 100_000;
    static final int SOAK_RETENTION_DEFAULT = 30;
    /** The longest wait for a measurement's jobs to finish: generous, so that only a stuck system trips it. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(5);

    @Option(names = "--quick", description = "One repetition of fewer jobs (5,000 noop, 20 idle, 50 primes, 2 s of single submissions) and no default-size JobRunr: about 2 minutes. Writes the table only where --output says.")
    private boolean quick;

    @Option(names = "--repeats", paramLabel = "N", description = "Repetitions of each measurement; the table shows the median (default " + REPEATS_DEFAULT + ", --quick 1).")
    private Integer repeats;

    @Option(names = "--jobs", paramLabel = "N", description = "noop jobs of the throughput run (default 20,000; --quick 5,000).")
    private Integer jobs;

    @Option(names = "--idle-jobs", paramLabel = "N", description = "Jobs of the idle-latency run, submitted one at a time (default " + IDLE_JOBS_DEFAULT + "; --quick 20).")
    private Integer idleJobs;

    @Option(names = "--idle-gap-ms", paramLabel = "MS", description = "Pause between idle-latency submissions (default " + IDLE_GAP_MS_DEFAULT + ").")
    private int idleGapMs = IDLE_GAP_MS_DEFAULT;

    @Option(names = "--primes-jobs", paramLabel = "N", description = "primes jobs of the CPU-bound run (default " + PRIMES_JOBS_DEFAULT + "; --quick 50).")
    private Integer primesJobs;

    @Option(names = "--sleep-jobs", paramLabel = "N", description = "sleep jobs of " + SLEEP_MILLIS + " ms in the waiting-jobs run, Conveyor and JobRunr each at its defaults (default " + SLEEP_JOBS_DEFAULT + "; --quick 500).")
    private Integer sleepJobs;

    @Option(names = "--primes-range", paramLabel = "N", description = "Numbers each primes job examines, from 1,000,000 on (default " + PRIMES_RANGE_DEFAULT + ").")
    private long primesRange = PRIMES_RANGE_DEFAULT;

    @Option(names = "--clients", paramLabel = "N", description = "Concurrent clients of the single-submission run (default " + CLIENTS_DEFAULT + ").")
    private int clients = CLIENTS_DEFAULT;

    @Option(names = "--submit-seconds", paramLabel = "S", description = "Length of the single-submission run (default " + SUBMIT_SECONDS_DEFAULT + "; --quick 2).")
    private Integer submitSeconds;

    @Option(names = "--worker-jvms", paramLabel = "N", description = "Conveyor worker JVMs (default " + WORKER_JVMS_DEFAULT + ", as dev runs).")
    private int workerJvms = WORKER_JVMS_DEFAULT;

    @Option(names = "--threads", paramLabel = "N", description = "Job threads per Conveyor worker JVM (default: the cores, as a worker's default). JobRunr gets as many in total.")
    private int threads = WorkerSettings.JOB_THREADS_DEFAULT;

    @Option(names = "--heap", paramLabel = "SIZE", description = "-Xmx of every worker JVM, Conveyor's and JobRunr's (default: $" + WorkerCommand.HEAP + " or " + WorkerCommand.HEAP_DEFAULT + ").")
    private String heap;

    @Option(names = "--batch-clients", paramLabel = "N", description = "Concurrent clients sending Conveyor's batches (default " + BATCH_CLIENTS_DEFAULT + ").")
    private int batchClients = BATCH_CLIENTS_DEFAULT;

    @Option(names = "--jobrunr-default", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Also run JobRunr at its default worker count (16 virtual threads per core) besides Conveyor's count (default: yes; --quick: no).")
    private boolean jobrunrDefault;

    @Option(names = "--only", paramLabel = "PART", split = ",",
            description = "Run only these parts (${COMPLETION-CANDIDATES}); the table is then written only where --output says.")
    private java.util.Set<BenchRun.Part> only;

    @Option(names = "--soak", paramLabel = "N", arity = "0..1", fallbackValue = "" + SOAK_JOBS_DEFAULT,
            description = "Instead of the comparison: a soak of N noop jobs (default " + SOAK_JOBS_DEFAULT + ") through dev's topology, printing each JVM's RSS"
                    + " and the ledger's rows and size every --soak-every jobs, then whether RSS stayed within +20 %% and the ledger bounded.")
    private Long soak;

    @Option(names = "--soak-every", paramLabel = "N", description = "Jobs between the soak's checkpoints (default " + SOAK_EVERY_DEFAULT + ").")
    private long soakEvery = SOAK_EVERY_DEFAULT;

    @Option(names = "--soak-retention", paramLabel = "SECONDS", description = "The workers' retention in the soak, both steps (default "
            + SOAK_RETENTION_DEFAULT + "): succeeded jobs are deleted after it and removed after it again.")
    private int soakRetention = SOAK_RETENTION_DEFAULT;

    @Option(names = "--output", paramLabel = "FILE", description = "Where to write the table (default " + OUTPUT_DEFAULT + ", if its folder exists; '-' not to write).")
    private String output = OUTPUT_DEFAULT;

    /** Started systems and resources, closed in reverse order (also on Ctrl+C). */
    private final Deque<AutoCloseable> started = new ArrayDeque<>();

    @Override
    public Integer call() throws Exception {
        if (soak != null) {
            return soak();
        }
        Settings settings = settings();
        Instant began = Instant.now();
        String loadBefore = MachineInfo.loadAverage();
        Path dir = Files.createTempDirectory("conveyor-bench-");
        System.out.printf("conveyor bench: %s; logs in %s; load average %s%n", settings.describe(), dir, loadBefore);
        return withDatabases(databases -> {
            List<String> machine = MachineInfo.describe(databases.serverVersion());
            List<SystemUnderBench> systems = startSystems(settings, databases, dir);
            DatabaseSettings conveyorDatabase = ((ConveyorUnderBench) systems.getFirst()).database();
            Results results = new BenchRun(settings, systems, DRAIN_TIMEOUT).run(conveyorDatabase, dir);
            String table = BenchReport.table(systems, results, settings.clients());
            String loadAfter = MachineInfo.loadAverage();
            String generated = BenchSummary.markdown(settings, machine, table, results, systems, began, Instant.now(), loadBefore, loadAfter);
            System.out.println();
            System.out.println(generated);
            write(generated);
            return 0;
        });
    }

    /** {@code --soak}: prints the checkpoints as they come, then the table and the verdicts (0 when both hold, else 1). */
    private int soak() throws Exception {
        if (soak < 1 || soakEvery < 1 || soakRetention < 1) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--soak, --soak-every and --soak-retention must be at least 1");
        }
        Soak.Settings settings = new Soak.Settings(soak, soakEvery, Duration.ofSeconds(soakRetention), workerJvms, threads,
                heap != null ? heap : Env.system().string(WorkerCommand.HEAP, WorkerCommand.HEAP_DEFAULT), batchClients);
        Path dir = Files.createTempDirectory("conveyor-soak-");
        String loadBefore = MachineInfo.loadAverage();
        System.out.printf("conveyor bench --soak: %s; logs in %s; load average %s%n", settings.describe(), dir, loadBefore);
        return withDatabases(databases -> {
            List<String> machine = MachineInfo.describe(databases.serverVersion());
            Soak run = Soak.start(settings, databases.create("bench_soak"), dir);
            started.push(run);
            SoakReport report = run.run();
            String autovacuum = run.autovacuumNote();
            System.out.println();
            System.out.println(settings.describe());
            machine.forEach(line -> System.out.println("- " + line));
            System.out.printf("- load average before %s, after %s%n", loadBefore, MachineInfo.loadAverage());
            System.out.printf("- %s%n%n", autovacuum);
            System.out.println(report.markdown());
            return report.rssWithinLimit().orElse(true) && report.ledgerBounded() ? 0 : 1;
        });
    }

    /** What a run does with the benchmark's databases; returns the exit code. */
    @FunctionalInterface
    private interface BenchBody {
        int run(BenchDatabases databases) throws Exception;
    }

    /**
     * Runs {@code body} with the benchmark's databases, then stops everything it started (also on Ctrl-C: a shutdown
     * hook), so that no broker, API or worker JVM outlives the benchmark.
     */
    private int withDatabases(BenchBody body) throws Exception {
        Thread stopHook = new Thread(this::stopAll, "conveyor-bench-stop");
        Runtime.getRuntime().addShutdownHook(stopHook);
        try {
            BenchDatabases databases = new BenchDatabases(DatabaseSettings.from(Env.system()));
            started.push(databases);
            return body.run(databases);
        } finally {
            stopAll();
            Runtime.getRuntime().removeShutdownHook(stopHook);
        }
    }

    private List<SystemUnderBench> startSystems(Settings settings, BenchDatabases databases, Path dir) throws InterruptedException {
        List<SystemUnderBench> systems = new ArrayList<>();
        ConveyorUnderBench conveyor = ConveyorUnderBench.start(databases.create("bench_conveyor"), dir, settings.workerJvms(),
                settings.threads(), settings.heap(), settings.batchClients());
        started.push(conveyor);
        systems.add(conveyor);
        for (int workers : settings.jobRunrWorkerCounts()) {
            JobRunrUnderBench jobRunr = JobRunrUnderBench.start(databases.create("bench_jobrunr_" + workers), workers, settings.heap(), dir,
                    Math.min(settings.clients(), 8));
            started.push(jobRunr);
            systems.add(jobRunr);
        }
        return systems;
    }

    private Settings settings() {
        Env env = Env.system();
        int total = workerJvms * threads;
        List<Integer> jobRunrCounts = new ArrayList<>(List.of(total));
        int jobRunrDefaultCount = JobRunrBaselineCommand.defaultWorkerCount();
        if (jobrunrDefault && !quick && jobRunrDefaultCount != total) {
            jobRunrCounts.add(jobRunrDefaultCount);
        }
        return new Settings(
                orDefault(repeats, REPEATS_DEFAULT, 1),
                orDefault(jobs, JOBS_DEFAULT, 5_000),
                orDefault(idleJobs, IDLE_JOBS_DEFAULT, 20),
                Duration.ofMillis(idleGapMs),
                orDefault(primesJobs, PRIMES_JOBS_DEFAULT, 50),
                orDefault(sleepJobs, SLEEP_JOBS_DEFAULT, 500),
                PRIMES_FROM, PRIMES_FROM + primesRange,
                clients,
                Duration.ofSeconds(orDefault(submitSeconds, SUBMIT_SECONDS_DEFAULT, 2)),
                workerJvms, threads,
                heap != null ? heap : env.string(WorkerCommand.HEAP, WorkerCommand.HEAP_DEFAULT),
                batchClients, List.copyOf(jobRunrCounts), quick,
                only == null || only.isEmpty() ? java.util.EnumSet.allOf(BenchRun.Part.class) : java.util.EnumSet.copyOf(only));
    }

    private int orDefault(Integer given, int normal, int whenQuick) {
        return given != null ? given : quick ? whenQuick : normal;
    }

    private void write(String generated) throws java.io.IOException {
        boolean partial = quick || (only != null && !only.isEmpty());
        if (output.equals("-") || (partial && output.equals(OUTPUT_DEFAULT))) {
            return; // a partial run never replaces the full run's table in docs/BENCHMARKS.md unless asked to
        }
        Path file = Path.of(output);
        Path folder = file.toAbsolutePath().getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            System.out.printf("not writing %s: no folder %s here (run from the project's root, or give --output)%n", file, folder);
            return;
        }
        BenchmarksDoc.write(file, generated);
        System.out.printf("wrote the table to %s (section \"%s\")%n", file, BenchmarksDoc.SECTION.substring(3));
    }

    private synchronized void stopAll() {
        while (!started.isEmpty()) {
            try {
                started.pop().close();
            } catch (Exception e) {
                System.err.println("conveyor bench: while stopping: " + e);
            }
        }
    }

    /** What one benchmark run does, resolved from the options. */
    record Settings(int repeats, int jobs, int idleJobs, Duration idleGap, int primesJobs, int sleepJobs, long primesFrom, long primesTo,
                    int clients, Duration submitDuration, int workerJvms, int threads, String heap, int batchClients,
                    List<Integer> jobRunrWorkerCounts, boolean quick, java.util.Set<BenchRun.Part> parts) {

        boolean includes(BenchRun.Part part) {
            return parts.contains(part);
        }

        String describe() {
            return String.format(Locale.ROOT, "%s%d repetitions; %d idle jobs %d ms apart; %,d noop jobs; %d primes jobs of [%,d, %,d); %,d sleep jobs;"
                            + " %d clients for %d s; Conveyor %d worker JVMs × %d threads (-Xmx%s); JobRunr at %s workers%s",
                    quick ? "quick: " : "", repeats, idleJobs, idleGap.toMillis(), jobs, primesJobs, primesFrom, primesTo, sleepJobs,
                    clients, submitDuration.toSeconds(), workerJvms, threads, heap, jobRunrWorkerCounts,
                    parts.size() == BenchRun.Part.values().length ? "" : "; only " + parts);
        }
    }
}
