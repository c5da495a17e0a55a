package io.conveyor.api;

import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Ledger;
import org.jobrunr.storage.StorageException;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.utils.mapper.JsonMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The ledger as the API holds it: opened at start if PostgreSQL answers, else on a thread of its own as soon as it
 * does, so that an API started before its database accepts jobs (they need Kafka only) and serves reads and the
 * dashboard once the database is there, without a restart. Until then its storage provider and data source fail as
 * an unreachable database makes them fail (JobRunr's {@link StorageException}, {@link SQLException}), which every
 * reader of the ledger already answers with 503.
 */
final class LateLedger implements AutoCloseable {

    private static final Logger LOGGER = LoggerFactory.getLogger(LateLedger.class);
    private static final Duration RETRY_DELAY = Duration.ofSeconds(1);
    private static final String NOT_YET = "the ledger database has not been reached since the API started";

    private final AtomicReference<Ledger> ledger = new AtomicReference<>();
    private final StorageProvider storageProvider;
    private final DataSource dataSource;
    private final JsonMapper jsonMapper = Ledger.newJsonMapper();
    private final AtomicReference<AutoCloseable> background = new AtomicReference<>();
    private final Function<Ledger, AutoCloseable> whenOpen;
    private final Thread opener;
    /** Why the last attempt failed: each new reason is logged once (the first, and a cause that changed). */
    private volatile String lastFailure;
    private volatile boolean closed;

    /**
     * @param opened   run on the ledger once it is open, before any reader sees it (tables the API reads)
     * @param whenOpen started once the ledger is open and seen, and closed with it: work that readers need not wait
     *                 for (the job list's indexes)
     */
    LateLedger(Supplier<Ledger> open, Consumer<Ledger> opened, Function<Ledger, AutoCloseable> whenOpen) {
        this.storageProvider = late(StorageProvider.class, Ledger::storageProvider, () -> new StorageException(NOT_YET));
        this.dataSource = late(DataSource.class, Ledger::dataSource, () -> new SQLException(NOT_YET));
        this.whenOpen = whenOpen;
        if (tryOpen(open, opened)) {
            this.opener = null;
            return;
        }
        this.opener = Thread.ofVirtual().name("conveyor-api-ledger").start(() -> {
            try {
                do {
                    Thread.sleep(RETRY_DELAY);
                } while (!tryOpen(open, opened));
                LOGGER.info("the ledger database answers now: job reads and the dashboard are served");
            } catch (InterruptedException e) {
                // the API stops
            }
        });
    }

    static LateLedger open(DatabaseSettings database, String poolName, int poolSize, Consumer<Ledger> opened,
                           Function<Ledger, AutoCloseable> whenOpen) {
        return new LateLedger(() -> Ledger.open(database, poolName, poolSize), opened, whenOpen);
    }

    private boolean tryOpen(Supplier<Ledger> open, Consumer<Ledger> opened) {
        Ledger candidate;
        try {
            candidate = open.get();
        } catch (RuntimeException e) {
            failed("the ledger database cannot be opened (" + e.getMessage() + "); accepting jobs, answering 503 to reads until it can");
            return false;
        }
        try {
            opened.accept(candidate);
        } catch (RuntimeException e) {
            failed("the ledger database answered but could not be prepared (" + e + "); trying again");
            candidate.close();
            return false;
        }
        ledger.set(candidate);
        background.set(whenOpen.apply(candidate));
        if (closed) { // the API stopped while this attempt was under way
            closeBackground();
            candidate.close();
        }
        return true;
    }

    /** Logs why an attempt failed unless the last one failed the same way (an API retries every second). */
    private void failed(String reason) {
        if (!reason.equals(lastFailure)) {
            lastFailure = reason;
            LOGGER.warn(reason);
        }
    }

    private void closeBackground() {
        AutoCloseable started = background.getAndSet(null);
        if (started == null) {
            return;
        }
        try {
            started.close();
        } catch (Exception e) {
            LOGGER.warn("could not stop {}: {}", started, e.toString());
        }
    }

    /** JobRunr's storage of the ledger; until the ledger is open, every call but the dashboard's first throws {@link StorageException}. */
    StorageProvider storageProvider() {
        return storageProvider;
    }

    /** The ledger's connection pool; until the ledger is open, every call throws {@link SQLException}. */
    DataSource dataSource() {
        return dataSource;
    }

    JsonMapper jsonMapper() {
        return jsonMapper;
    }

    /** Calls go to the open ledger's part; before it is open they throw {@code unavailable}, the Object methods excepted. */
    private <T> T late(Class<T> type, Function<Ledger, T> part, Supplier<Exception> unavailable) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (proxy, method, args) -> {
            switch (method.getName()) {
                case "equals" -> {
                    return args[0] == proxy;
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                case "toString" -> {
                    return "the API's ledger " + type.getSimpleName();
                }
                default -> {
                }
            }
            Ledger open = ledger.get();
            if (open == null) {
                if (method.getName().equals("getStorageProviderInfo")) {
                    // The dashboard asks for it once as it starts, for a log line.
                    return new StorageProvider.StorageProviderInfo((StorageProvider) proxy) {
                    };
                }
                throw unavailable.get();
            }
            try {
                return method.invoke(part.apply(open), args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }));
    }

    @Override
    public void close() {
        closed = true;
        if (opener != null) {
            opener.interrupt();
            try {
                opener.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeBackground();
        Ledger open = ledger.get();
        if (open != null) {
            open.close();
        }
    }
}
