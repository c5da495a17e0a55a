package io.conveyor.common;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.conveyor.common.jobjson.ConveyorJobJson;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.sql.common.SqlStorageProviderFactory;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.utils.mapper.JsonMapper;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.function.Function;

/**
 * The JobRunr ledger in PostgreSQL, opened the same way by every role: one connection pool, one JSON mapper,
 * and JobRunr's storage provider over them (JobRunr creates or migrates its tables on first use, one process at a time:
 * {@link LedgerMigrations}).
 */
public final class Ledger implements AutoCloseable {

    /** How long a caller waits for a free connection before the ledger counts as unavailable. */
    public static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    private final DatabaseSettings settings;
    private final HikariDataSource dataSource;
    private final JsonMapper jsonMapper;
    private final StorageProvider storageProvider;

    private Ledger(DatabaseSettings settings, HikariDataSource dataSource, Function<DataSource, StorageProvider> storage) {
        this.settings = settings;
        this.dataSource = dataSource;
        this.jsonMapper = newJsonMapper();
        this.storageProvider = storage.apply(dataSource);
        this.storageProvider.setJobMapper(new JobMapper(jsonMapper));
    }

    /**
     * The JSON mapper of the ledger's jobs, for a part that needs one before the ledger is open: Conveyor's codec of its
     * own job shape, over JobRunr's Jackson mapper for everything else (see {@link ConveyorJobJson}).
     */
    public static JsonMapper newJsonMapper() {
        // Named explicitly: JobRunr would otherwise pick whichever Jackson it finds first on the classpath.
        return ConveyorJobJson.withInstalledParameters(new JacksonJsonMapper());
    }

    /**
     * Connects to the ledger database.
     *
     * @param poolSize the most connections this process holds
     */
    public static Ledger open(DatabaseSettings settings, String poolName, int poolSize) {
        return open(settings, poolName, poolSize, SqlStorageProviderFactory::using);
    }

    /**
     * Connects to the ledger database, with a storage provider of the caller's (JobRunr's PostgreSQL one, or a subclass).
     *
     * @param storage makes the storage provider over the pool
     */
    public static Ledger open(DatabaseSettings settings, String poolName, int poolSize, Function<DataSource, StorageProvider> storage) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.jdbcUrl());
        config.setUsername(settings.user());
        config.setPassword(settings.password());
        config.setPoolName(poolName);
        config.setMaximumPoolSize(poolSize);
        config.setMinimumIdle(1);
        config.setConnectionTimeout(CONNECTION_TIMEOUT.toMillis());
        config.setInitializationFailTimeout(CONNECTION_TIMEOUT.toMillis());
        // JobRunr's claim query (state = ? order by updatedAt limit ? for update skip locked) runs as a server-side
        // prepared statement; after five runs PostgreSQL may switch to a generic plan that, not knowing the state,
        // sorts every job of the state instead of reading the (state, updatedAt) index: with a deep queue each claim
        // then took tens of milliseconds. Planning each run costs far less. An `options` in the URL takes precedence.
        config.addDataSourceProperty("options", "-c plan_cache_mode=force_custom_plan");
        // A batch of inserts (intake writes up to CONVEYOR_INTAKE_MAX_RECORDS jobs at once) goes as multi-row INSERTs
        // instead of one statement per job; JobRunr accepts the driver's SUCCESS_NO_INFO counts that this gives.
        config.addDataSourceProperty("reWriteBatchedInserts", "true");
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            return LedgerMigrations.oneAtATime(settings, () -> new Ledger(settings, dataSource, storage));
        } catch (RuntimeException e) {
            dataSource.close();
            throw e;
        }
    }

    /**
     * A connection of its own to the ledger database, outside the pool, for a task that holds one long or whose session
     * locks must go with it: the caller closes it.
     */
    public Connection connectAlone(String applicationName) throws SQLException {
        return connect(settings, applicationName);
    }

    static Connection connect(DatabaseSettings settings, String applicationName) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", settings.user());
        properties.setProperty("password", settings.password());
        String seconds = Long.toString(CONNECTION_TIMEOUT.toSeconds());
        properties.setProperty("connectTimeout", seconds);
        properties.setProperty("loginTimeout", seconds);
        properties.setProperty("ApplicationName", applicationName);
        return DriverManager.getConnection(settings.jdbcUrl(), properties);
    }

    public HikariDataSource dataSource() {
        return dataSource;
    }

    public JsonMapper jsonMapper() {
        return jsonMapper;
    }

    public StorageProvider storageProvider() {
        return storageProvider;
    }

    @Override
    public void close() {
        storageProvider.close();
        dataSource.close();
    }
}
