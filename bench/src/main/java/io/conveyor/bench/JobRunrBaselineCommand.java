package io.conveyor.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Env;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.server.configuration.BackgroundJobServerThreadType;
import org.jobrunr.storage.sql.common.SqlStorageProviderFactory;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code conveyor bench-jobrunr-baseline} (hidden): plain JobRunr's background job server in a JVM of its own, on the
 * database of {@code CONVEYOR_DB_URL}, polling at JobRunr's 5 s minimum; the benchmark enqueues {@link BaselineJobs}
 * into that database from its own JVM, as a JobRunr client would.
 */
@Command(name = JobRunrBaselineCommand.NAME, hidden = true,
        description = "The benchmark's baseline: a plain JobRunr background job server (no Conveyor parts).")
public final class JobRunrBaselineCommand implements Callable<Integer> {

    static final String NAME = "bench-jobrunr-baseline";
    /** JobRunr refuses anything shorter with SQL storage. */
    static final int POLL_INTERVAL_SECONDS = 5;
    /** Printed once the server runs, so that the benchmark knows. */
    static final String READY = "jobrunr-baseline ready";

    @Option(names = "--workers", paramLabel = "N", description = "Worker threads (default 0: JobRunr's default, 16 virtual threads per core).")
    private int workers;

    @Option(names = "--parent-pid", paramLabel = "PID", description = "Stop when this process is gone.")
    private Long parentPid;

    /** The worker count a server gets with {@code --workers 0}: JobRunr's own default on this JVM. */
    static int defaultWorkerCount() {
        return BackgroundJobServerThreadType.getDefaultThreadType().getDefaultWorkerCount();
    }

    @Override
    public Integer call() throws InterruptedException {
        int workerCount = workers > 0 ? workers : defaultWorkerCount();
        HikariDataSource dataSource = dataSource(DatabaseSettings.from(Env.system()), workerCount);
        BackgroundJobServerConfiguration server = BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
                .andName("jobrunr-baseline-" + ProcessHandle.current().pid())
                .andPollIntervalInSeconds(POLL_INTERVAL_SECONDS)
                .andWorkerCount(workerCount);
        JobRunr.configure()
                .useJsonMapper(new JacksonJsonMapper())
                .useStorageProvider(SqlStorageProviderFactory.using(dataSource))
                .useBackgroundJobServer(server)
                .initialize();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            JobRunr.destroy();
            dataSource.close();
            stopped.countDown();
        }, "jobrunr-baseline-stop"));
        if (parentPid != null) {
            ProcessHandle.of(parentPid).ifPresentOrElse(parent -> parent.onExit().thenRun(() -> System.exit(0)), () -> System.exit(0));
        }
        System.out.println(READY + ": " + workerCount + " workers");
        stopped.await();
        return 0;
    }

    /** One connection per worker thread, as each may save a job at once, plus two for JobRunr's own tasks. */
    private static HikariDataSource dataSource(DatabaseSettings database, int workerCount) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.jdbcUrl());
        config.setUsername(database.user());
        config.setPassword(database.password());
        config.setPoolName("jobrunr-baseline");
        config.setMaximumPoolSize(workerCount + 2);
        config.setMinimumIdle(1);
        return new HikariDataSource(config);
    }
}
