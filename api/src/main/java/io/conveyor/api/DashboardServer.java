package io.conveyor.api;

import org.jobrunr.dashboard.JobRunrDashboardWebServer;
import org.jobrunr.dashboard.JobRunrDashboardWebServerConfiguration;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.utils.mapper.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.Optional;

/**
 * JobRunr's own dashboard over the ledger, served at {@code http://host:port/dashboard}, with Conveyor's two changes:
 * Trigger on a recurring job runs it, and a job's queue shows as a label.
 */
public final class DashboardServer implements AutoCloseable {

    /** Attempts to find and bind a free port when any port will do; another process may take the one we found. */
    private static final int FREE_PORT_ATTEMPTS = 5;

    private final JobRunrDashboardWebServer server;
    private final int port;

    private DashboardServer(JobRunrDashboardWebServer server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * Starts the dashboard on {@code port}, behind basic auth if {@code userAndPassword} is given; 0 picks a free port.
     * It reads and writes the ledger through {@code storage} as JobRunr's dashboard does, except that its Trigger button
     * on a recurring job submits a run through {@code trigger} ({@link DashboardStorage}), and its jobs show their queue
     * as a label ({@link DashboardJson}).
     */
    static DashboardServer start(int port, StorageProvider storage, JsonMapper jsonMapper, RecurringTrigger trigger,
                                 Optional<Map.Entry<String, String>> userAndPassword) {
        StorageProvider dashboardStorage = DashboardStorage.over(storage, trigger);
        JsonMapper dashboardJson = new DashboardJson(jsonMapper);
        if (port != 0) {
            return startOn(port, dashboardStorage, dashboardJson, userAndPassword);
        }
        // JobRunr's server does not tell which port it bound, so pick one ourselves.
        RuntimeException lastFailure = null;
        for (int attempt = 0; attempt < FREE_PORT_ATTEMPTS; attempt++) {
            try {
                return startOn(freePort(), dashboardStorage, dashboardJson, userAndPassword);
            } catch (RuntimeException e) {
                lastFailure = e;
            }
        }
        throw lastFailure;
    }

    private static DashboardServer startOn(int port, StorageProvider storage, JsonMapper jsonMapper, Optional<Map.Entry<String, String>> userAndPassword) {
        JobRunrDashboardWebServerConfiguration configuration = JobRunrDashboardWebServerConfiguration.usingStandardDashboardConfiguration()
                .andPort(port)
                .andAllowAnonymousDataUsage(false);
        userAndPassword.ifPresent(credentials -> configuration.andBasicAuthentication(credentials.getKey(), credentials.getValue()));
        JobRunrDashboardWebServer server = new JobRunrDashboardWebServer(storage, jsonMapper, configuration);
        server.start();
        return new DashboardServer(server, port);
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("could not find a free port for the dashboard", e);
        }
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        server.stop();
    }
}
