package io.conveyor.worker;

import io.conveyor.common.Env;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * Settings of one worker process, read from environment variables.
 *
 * @param name                {@code CONVEYOR_WORKER_NAME}: how this process shows in the ledger and the dashboard
 * @param jobThreads          {@code CONVEYOR_WORKER_THREADS}: jobs this process runs at once
 * @param computeThreads      {@code CONVEYOR_COMPUTE_THREADS}: threads of the pool for a job's own data work
 * @param pollIntervalSeconds {@code CONVEYOR_POLL_INTERVAL_SECONDS}: JobRunr's fallback poll; new work is claimed at once anyway
 * @param intakeMaxRecords    {@code CONVEYOR_INTAKE_MAX_RECORDS}: most job requests written to the ledger in one transaction
 * @param dataDir             {@code CONVEYOR_DATA_DIR}: the data root, the only directory jobs read and write files in (absolute)
 */
public record WorkerSettings(String name, int jobThreads, int computeThreads, int pollIntervalSeconds, int intakeMaxRecords, Path dataDir) {

    public static final String NAME = "CONVEYOR_WORKER_NAME";
    public static final String JOB_THREADS = "CONVEYOR_WORKER_THREADS";
    public static final String COMPUTE_THREADS = "CONVEYOR_COMPUTE_THREADS";
    public static final String POLL_INTERVAL_SECONDS = "CONVEYOR_POLL_INTERVAL_SECONDS";
    public static final String INTAKE_MAX_RECORDS = "CONVEYOR_INTAKE_MAX_RECORDS";
    public static final String DATA_DIR = "CONVEYOR_DATA_DIR";

    public static final int CORES = Runtime.getRuntime().availableProcessors();
    public static final int JOB_THREADS_DEFAULT = CORES;
    public static final int COMPUTE_THREADS_DEFAULT = CORES;
    /** JobRunr refuses a poll interval under 5 s with SQL storage. */
    public static final int POLL_INTERVAL_SECONDS_DEFAULT = 5;
    public static final int INTAKE_MAX_RECORDS_DEFAULT = 500;
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
        if (dataDir == null) {
            throw new Env.SettingsException(DATA_DIR + " must name a directory");
        }
        dataDir = dataDir.toAbsolutePath().normalize();
    }

    public static WorkerSettings from(Env env) {
        return new WorkerSettings(
                env.string(NAME, defaultName()),
                env.integer(JOB_THREADS, JOB_THREADS_DEFAULT, 1, 1024),
                env.integer(COMPUTE_THREADS, COMPUTE_THREADS_DEFAULT, 1, 1024),
                env.integer(POLL_INTERVAL_SECONDS, POLL_INTERVAL_SECONDS_DEFAULT, 5, 3600),
                env.integer(INTAKE_MAX_RECORDS, INTAKE_MAX_RECORDS_DEFAULT, 1, 10_000),
                dataDir(env));
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

    private static void requireRange(String variable, int value, int min, int max) {
        if (value < min || value > max) {
            throw new Env.SettingsException(variable + " must be between " + min + " and " + max + ", was " + value);
        }
    }
}
