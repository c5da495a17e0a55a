package io.conveyor.worker.process;

import io.conveyor.handler.Backoff;
import io.conveyor.common.Env;
import io.conveyor.common.JobSubmission;
import io.conveyor.handler.JobKind;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Settings of one worker process, read from environment variables.
 *
 * @param name                {@code CONVEYOR_WORKER_NAME}: how this process shows in the ledger and the dashboard
 * @param jobThreads          {@code CONVEYOR_WORKER_THREADS}: jobs this process runs at once
 * @param computeThreads      {@code CONVEYOR_COMPUTE_THREADS}: threads of the pool for a job's own data work
 * @param pollIntervalSeconds {@code CONVEYOR_POLL_INTERVAL_SECONDS}: JobRunr's fallback poll; new work is claimed at once anyway
 * @param intakeMaxRecords    {@code CONVEYOR_INTAKE_MAX_RECORDS}: most job requests written to the ledger in one transaction
 * @param retryBackoff        {@code CONVEYOR_RETRY_BASE_MS} and {@code CONVEYOR_RETRY_MAX_MS}: the back-off of jobs whose
 *                            submission and type name none
 * @param quarantineKills     {@code CONVEYOR_QUARANTINE_KILLS}: a job that killed its worker this many times stays FAILED
 * @param stopGrace           {@code CONVEYOR_STOP_GRACE_SECONDS}: how long a stopping worker lets running jobs finish
 *                            before it hands them back
 * @param hangTimeout         {@code CONVEYOR_HANG_TIMEOUT_SECONDS}: a worker without a heartbeat this long counts as hung
 *                            and its jobs go to others
 * @param dataDir             {@code CONVEYOR_DATA_DIR}: the data root, the only directory jobs read and write files in (absolute)
 * @param metricsPort         {@code CONVEYOR_METRICS_PORT}: the port of the worker's operations endpoints
 *                            ({@code /health/live}, {@code /health/ready}); empty: none
 * @param waitingJobs         {@code CONVEYOR_WAITING_JOBS}: waiting jobs this process runs at once, on virtual threads
 * @param jobKinds            {@code CONVEYOR_JOB_KINDS}: job kinds set per type, over what the handlers say
 * @param typeLimits          {@code CONVEYOR_TYPE_LIMITS}: the most jobs of a type running at once across the fleet
 * @param priorityAging       {@code CONVEYOR_PRIORITY_AGING_SECONDS}: after this long a waiting job goes ahead of
 *                            younger ones of any priority below high
 * @param queues              {@code CONVEYOR_QUEUES}: the queues whose jobs this process takes
 * @param unroutableAfter     {@code CONVEYOR_UNROUTABLE_AFTER}: a job that no live worker can run fails after waiting this
 *                            long; empty: it waits for one however long
 * @param deleteSucceededAfter {@code CONVEYOR_DELETE_SUCCEEDED_AFTER_SECONDS}: retention moves a job SUCCEEDED this long
 *                            ago to DELETED
 * @param deleteDeletedAfter  {@code CONVEYOR_DELETE_DELETED_AFTER_SECONDS}: retention removes a job DELETED this long ago
 *                            from the ledger for good
 */
public record WorkerSettings(String name, int jobThreads, int computeThreads, int pollIntervalSeconds, int intakeMaxRecords,
                             Backoff retryBackoff, int quarantineKills, Duration stopGrace, Duration hangTimeout, Path dataDir,
                             OptionalInt metricsPort, int waitingJobs, Map<String, JobKind> jobKinds, Map<String, Integer> typeLimits,
                             Duration priorityAging, List<String> queues, Optional<Duration> unroutableAfter,
                             Duration deleteSucceededAfter, Duration deleteDeletedAfter) {

    public static final String NAME = "CONVEYOR_WORKER_NAME";
    public static final String JOB_THREADS = "CONVEYOR_WORKER_THREADS";
    public static final String COMPUTE_THREADS = "CONVEYOR_COMPUTE_THREADS";
    public static final String POLL_INTERVAL_SECONDS = "CONVEYOR_POLL_INTERVAL_SECONDS";
    public static final String INTAKE_MAX_RECORDS = "CONVEYOR_INTAKE_MAX_RECORDS";
    public static final String RETRY_BASE_MS = "CONVEYOR_RETRY_BASE_MS";
    public static final String RETRY_MAX_MS = "CONVEYOR_RETRY_MAX_MS";
    public static final String QUARANTINE_KILLS = "CONVEYOR_QUARANTINE_KILLS";
    public static final String STOP_GRACE_SECONDS = "CONVEYOR_STOP_GRACE_SECONDS";
    public static final String HANG_TIMEOUT_SECONDS = "CONVEYOR_HANG_TIMEOUT_SECONDS";
    public static final String DATA_DIR = "CONVEYOR_DATA_DIR";
    public static final String METRICS_PORT = "CONVEYOR_METRICS_PORT";
    public static final String WAITING_JOBS = "CONVEYOR_WAITING_JOBS";
    public static final String JOB_KINDS = "CONVEYOR_JOB_KINDS";
    public static final String TYPE_LIMITS = "CONVEYOR_TYPE_LIMITS";
    public static final String PRIORITY_AGING_SECONDS = "CONVEYOR_PRIORITY_AGING_SECONDS";
    public static final Duration PRIORITY_AGING_DEFAULT = Duration.ofSeconds(60);
    public static final String QUEUES = "CONVEYOR_QUEUES";
    public static final String UNROUTABLE_AFTER = "CONVEYOR_UNROUTABLE_AFTER";
    public static final String DELETE_SUCCEEDED_AFTER_SECONDS = "CONVEYOR_DELETE_SUCCEEDED_AFTER_SECONDS";
    /** JobRunr's own default: 36 hours. */
    public static final int DELETE_SUCCEEDED_AFTER_SECONDS_DEFAULT = 36 * 3600;
    public static final String DELETE_DELETED_AFTER_SECONDS = "CONVEYOR_DELETE_DELETED_AFTER_SECONDS";
    /** JobRunr's own default: 72 hours. */
    public static final int DELETE_DELETED_AFTER_SECONDS_DEFAULT = 72 * 3600;
    /** The longest retention in seconds: ten years. */
    static final int RETENTION_MAX = 3650 * 86_400;
    /** The longest {@code CONVEYOR_UNROUTABLE_AFTER} in seconds: a year. */
    static final int UNROUTABLE_AFTER_MAX = 366 * 86_400;

    public static final int CORES = Runtime.getRuntime().availableProcessors();
    public static final int JOB_THREADS_DEFAULT = CORES;
    public static final int COMPUTE_THREADS_DEFAULT = CORES;
    /** JobRunr's own default is 16 virtual threads per core; waiting jobs use no core while they wait. */
    public static final int WAITING_JOBS_DEFAULT = 16 * CORES;
    /** JobRunr refuses a poll interval under 5 s with SQL storage. */
    public static final int POLL_INTERVAL_SECONDS_DEFAULT = 5;
    public static final int INTAKE_MAX_RECORDS_DEFAULT = 500;
    public static final int QUARANTINE_KILLS_DEFAULT = 2;
    public static final Duration STOP_GRACE_DEFAULT = Duration.ofSeconds(10);
    /** Three of JobRunr's 5 s heartbeats missed. */
    public static final Duration HANG_TIMEOUT_DEFAULT = Duration.ofSeconds(15);
    /** {@code data} in the working directory: next to where Conveyor runs, easy to find and to fill. */
    public static final String DATA_DIR_DEFAULT = "data";

    public WorkerSettings {
        if (name == null || name.isBlank()) {
            throw new Env.SettingsException(NAME + " must not be blank");
        }
        requireRange(JOB_THREADS, jobThreads, 1, 1024);
        requireRange(COMPUTE_THREADS, computeThreads, 1, 1024);
        requireRange(POLL_INTERVAL_SECONDS, pollIntervalSeconds, 5, 3600);
        requireRange(INTAKE_MAX_RECORDS, intakeMaxRecords, 1, 10_000);
        requireRange(QUARANTINE_KILLS, quarantineKills, 1, 100);
        requireRange(STOP_GRACE_SECONDS, (int) stopGrace.toSeconds(), 0, 3600);
        if (hangTimeout.toSeconds() < 2L * pollIntervalSeconds) {
            throw new Env.SettingsException(HANG_TIMEOUT_SECONDS + " must be at least twice " + POLL_INTERVAL_SECONDS
                    + " (" + pollIntervalSeconds + " s), the heartbeat interval, was " + hangTimeout.toSeconds());
        }
        metricsPort.ifPresent(port -> requireRange(METRICS_PORT, port, 1, 65_535));
        requireRange(WAITING_JOBS, waitingJobs, 1, 100_000);
        jobKinds = Collections.unmodifiableMap(new LinkedHashMap<>(jobKinds)); // in the order given, as logs show them
        typeLimits = Collections.unmodifiableMap(new LinkedHashMap<>(typeLimits));
        requireRange(PRIORITY_AGING_SECONDS, (int) priorityAging.toSeconds(), 1, 86_400);
        if (dataDir == null) {
            throw new Env.SettingsException(DATA_DIR + " must name a directory");
        }
        queues = List.copyOf(queues);
        if (queues.isEmpty()) {
            throw new Env.SettingsException(QUEUES + " must name at least one queue");
        }
        dataDir = dataDir.toAbsolutePath().normalize();
        requireRetention(DELETE_SUCCEEDED_AFTER_SECONDS, deleteSucceededAfter);
        requireRetention(DELETE_DELETED_AFTER_SECONDS, deleteDeletedAfter);
    }

    public static WorkerSettings from(Env env) {
        long retryBase = env.longInteger(RETRY_BASE_MS, Backoff.DEFAULT_BASE.toMillis(), 0, Backoff.LIMIT.toMillis());
        long retryMax = env.longInteger(RETRY_MAX_MS, Math.max(retryBase, Backoff.DEFAULT_MAX.toMillis()), retryBase, Backoff.LIMIT.toMillis());
        return new WorkerSettings(
                env.string(NAME, defaultName()),
                env.integer(JOB_THREADS, JOB_THREADS_DEFAULT, 1, 1024),
                env.integer(COMPUTE_THREADS, COMPUTE_THREADS_DEFAULT, 1, 1024),
                env.integer(POLL_INTERVAL_SECONDS, POLL_INTERVAL_SECONDS_DEFAULT, 5, 3600),
                env.integer(INTAKE_MAX_RECORDS, INTAKE_MAX_RECORDS_DEFAULT, 1, 10_000),
                new Backoff(Duration.ofMillis(retryBase), Duration.ofMillis(retryMax)),
                env.integer(QUARANTINE_KILLS, QUARANTINE_KILLS_DEFAULT, 1, 100),
                Duration.ofSeconds(env.integer(STOP_GRACE_SECONDS, (int) STOP_GRACE_DEFAULT.toSeconds(), 0, 3600)),
                Duration.ofSeconds(env.integer(HANG_TIMEOUT_SECONDS, (int) HANG_TIMEOUT_DEFAULT.toSeconds(), 10, 3600)),
                dataDir(env),
                env.optional(METRICS_PORT).isPresent() ? OptionalInt.of(env.integer(METRICS_PORT, 0, 1, 65_535)) : OptionalInt.empty(),
                env.integer(WAITING_JOBS, WAITING_JOBS_DEFAULT, 1, 100_000),
                jobKinds(env.string(JOB_KINDS, "")),
                typeLimits(env.string(TYPE_LIMITS, "")),
                Duration.ofSeconds(env.integer(PRIORITY_AGING_SECONDS, (int) PRIORITY_AGING_DEFAULT.toSeconds(), 1, 86_400)),
                queues(env.string(QUEUES, JobSubmission.DEFAULT_QUEUE)),
                unroutableAfter(env.string(UNROUTABLE_AFTER, "never")),
                Duration.ofSeconds(env.integer(DELETE_SUCCEEDED_AFTER_SECONDS, DELETE_SUCCEEDED_AFTER_SECONDS_DEFAULT, 1, RETENTION_MAX)),
                Duration.ofSeconds(env.integer(DELETE_DELETED_AFTER_SECONDS, DELETE_DELETED_AFTER_SECONDS_DEFAULT, 1, RETENTION_MAX)));
    }

    /** {@code never}, or whole seconds from 1 to a year. */
    static Optional<Duration> unroutableAfter(String value) {
        String trimmed = value.trim();
        if (trimmed.equalsIgnoreCase("never")) {
            return Optional.empty();
        }
        if (!trimmed.matches("\\d{1,8}") || Integer.parseInt(trimmed) < 1 || Integer.parseInt(trimmed) > UNROUTABLE_AFTER_MAX) {
            throw new Env.SettingsException(UNROUTABLE_AFTER + " must be never or a whole number of seconds from 1 to "
                    + UNROUTABLE_AFTER_MAX + ", was '" + value + "'");
        }
        return Optional.of(Duration.ofSeconds(Integer.parseInt(trimmed)));
    }

    /** {@code name,name,...}: queue names as a submission's {@code queue} takes them, each once. */
    static List<String> queues(String value) {
        Set<String> queues = new LinkedHashSet<>();
        for (String entry : value.split(",")) {
            String queue = entry.trim();
            if (queue.isEmpty()) {
                continue;
            }
            if (!JobSubmission.isValidName(queue)) {
                throw new Env.SettingsException(QUEUES + " must be queue names separated by commas; a queue name " + JobSubmission.NAME_RULE
                        + ", was '" + value + "'");
            }
            if (!queues.add(queue)) {
                throw new Env.SettingsException(QUEUES + " names queue '" + queue + "' twice");
            }
        }
        if (queues.isEmpty()) {
            throw new Env.SettingsException(QUEUES + " must name at least one queue, was '" + value + "'");
        }
        return List.copyOf(queues);
    }

    /** {@code type=n,...}: each type named once, with a limit of 1 or more. */
    static Map<String, Integer> typeLimits(String value) {
        Map<String, Integer> limits = new LinkedHashMap<>();
        String shape = TYPE_LIMITS + " must be type=n entries (n from 1 to 100,000) separated by commas, was '" + value + "'";
        for (String entry : value.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.split("=", -1);
            if (parts.length != 2 || parts[0].isBlank() || !parts[1].trim().matches("\\d{1,6}")) {
                throw new Env.SettingsException(shape);
            }
            int limit = Integer.parseInt(parts[1].trim());
            if (limit < 1 || limit > 100_000) {
                throw new Env.SettingsException(shape);
            }
            if (limits.put(parts[0].trim(), limit) != null) {
                throw new Env.SettingsException(TYPE_LIMITS + " names type '" + parts[0].trim() + "' twice");
            }
        }
        return limits;
    }

    /** {@code type=waits,type=compute,...}: each type named once, with a kind of {@link JobKind}, any case. */
    static Map<String, JobKind> jobKinds(String value) {
        Map<String, JobKind> kinds = new LinkedHashMap<>();
        for (String entry : value.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.split("=", -1);
            JobKind kind = parts.length == 2 ? kindNamed(parts[1].trim()) : null;
            if (kind == null || parts[0].isBlank()) {
                throw new Env.SettingsException(JOB_KINDS + " must be type=waits or type=compute entries separated by commas, was '" + value + "'");
            }
            if (kinds.put(parts[0].trim(), kind) != null) {
                throw new Env.SettingsException(JOB_KINDS + " names type '" + parts[0].trim() + "' twice");
            }
        }
        return kinds;
    }

    private static JobKind kindNamed(String name) {
        for (JobKind kind : JobKind.values()) {
            if (kind.name().equalsIgnoreCase(name)) {
                return kind;
            }
        }
        return null;
    }

    /** {@code CONVEYOR_DATA_DIR} as an absolute path (a relative one is taken from the working directory). */
    public static Path dataDir(Env env) {
        String value = env.string(DATA_DIR, DATA_DIR_DEFAULT);
        try {
            return Path.of(value).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new Env.SettingsException(DATA_DIR + " must be a path, was '" + value + "': " + e.getReason());
        }
    }

    /** host-pid: unique per process, and says where to look. */
    static String defaultName() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return "worker-" + host + "-" + ProcessHandle.current().pid();
    }

    private static void requireRetention(String variable, Duration retention) {
        if (retention == null || retention.compareTo(Duration.ofSeconds(1)) < 0 || retention.compareTo(Duration.ofSeconds(RETENTION_MAX)) > 0) {
            throw new Env.SettingsException(variable + " must be between 1 and " + RETENTION_MAX + " seconds, was " + retention);
        }
    }

    private static void requireRange(String variable, int value, int min, int max) {
        if (value < min || value > max) {
            throw new Env.SettingsException(variable + " must be between " + min + " and " + max + ", was " + value);
        }
    }
}
