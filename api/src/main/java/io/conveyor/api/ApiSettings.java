package io.conveyor.api;

import io.conveyor.common.Env;

import java.time.Duration;

/**
 * Settings of the api role (HTTP edge and dashboard), read from environment variables.
 *
 * @param port          {@code CONVEYOR_API_PORT}: the HTTP API's port; 0 picks any free port
 * @param dashboardPort {@code CONVEYOR_DASHBOARD_PORT}: the JobRunr dashboard's port; 0 picks any free port
 * @param maxBodyBytes  {@code CONVEYOR_MAX_BODY_BYTES}: the largest request body accepted; a larger one gets 413
 * @param batchLimit    {@code CONVEYOR_BATCH_LIMIT}: the most jobs in one {@code POST /jobs/batch}
 * @param submitTimeout {@code CONVEYOR_SUBMIT_TIMEOUT_MS}: the longest a POST waits for Kafka before answering 503
 * @param idSecret      {@code CONVEYOR_ID_SECRET}: keys the tag in every job id, so any API instance sharing it
 *                      recognises ids that were accepted but are not in the ledger yet
 * @param maxPendingBytes {@code CONVEYOR_SUBMIT_MAX_PENDING_BYTES}: the most memory the submissions waiting for Kafka
 *                      may hold, as {@link PendingSubmissions} counts it; a POST beyond it gets 503 at once
 * @param batchMembersLimit {@code CONVEYOR_BATCH_MEMBERS_LIMIT}: the most member jobs in one {@code POST /batches}
 * @param batchMaxBodyBytes {@code CONVEYOR_BATCH_MAX_BODY_BYTES}: the largest {@code POST /batches} body, which is read
 *                      as a stream (each member at most {@code maxBodyBytes}); a larger one gets 413
 */
public record ApiSettings(int port, int dashboardPort, int maxBodyBytes, int batchLimit, Duration submitTimeout, String idSecret,
                          long maxPendingBytes, int batchMembersLimit, long batchMaxBodyBytes) {

    public static final String PORT = "CONVEYOR_API_PORT";
    public static final String DASHBOARD_PORT = "CONVEYOR_DASHBOARD_PORT";
    public static final String MAX_BODY_BYTES = "CONVEYOR_MAX_BODY_BYTES";
    public static final String BATCH_LIMIT = "CONVEYOR_BATCH_LIMIT";
    public static final String SUBMIT_TIMEOUT_MS = "CONVEYOR_SUBMIT_TIMEOUT_MS";
    public static final String ID_SECRET = "CONVEYOR_ID_SECRET";
    public static final String MAX_PENDING_BYTES = "CONVEYOR_SUBMIT_MAX_PENDING_BYTES";
    public static final String BATCH_MEMBERS_LIMIT = "CONVEYOR_BATCH_MEMBERS_LIMIT";
    public static final String BATCH_MAX_BODY_BYTES = "CONVEYOR_BATCH_MAX_BODY_BYTES";

    public static final int PORT_DEFAULT = 8080;
    public static final int DASHBOARD_PORT_DEFAULT = 8000;
    public static final int MAX_BODY_BYTES_DEFAULT = 1024 * 1024;
    public static final int BATCH_LIMIT_DEFAULT = 1000;
    /** A batch with a completion job is made for fan-out: 100,000 members by default (the body limit permitting). */
    public static final int BATCH_MEMBERS_LIMIT_DEFAULT = 100_000;
    static final int MAX_BATCH_MEMBERS_LIMIT = 1_000_000;
    /** Room for 100,000 members of about 2.5 KiB each; the body streams through a temporary file, not the heap. */
    public static final long BATCH_MAX_BODY_BYTES_DEFAULT = 256L * 1024 * 1024;
    /** The body is spilled to the temporary directory's disk while it is checked: bounded by what a disk holds easily. */
    static final long MAX_BATCH_MAX_BODY_BYTES = 64L * 1024 * 1024 * 1024;
    public static final Duration SUBMIT_TIMEOUT_DEFAULT = Duration.ofSeconds(5);
    /** Fine for one machine; every deployment with several API instances must set its own, the same on all. */
    public static final String ID_SECRET_DEFAULT = "conveyor-dev-id-secret-not-for-production";

    /**
     * By default a quarter of the heap (the rest is the producer's buffer, Jetty, the ledger pool and the dashboard);
     * machine-dependent, so the README gives the rule rather than a number.
     */
    public static long defaultMaxPendingBytes() {
        return Runtime.getRuntime().maxMemory() / 4;
    }
    static final long MIN_PENDING_BYTES = 1024 * 1024;

    static final int MAX_PORT = 65_535;
    static final int MIN_BODY_BYTES = 1024;
    static final int MAX_BODY_BYTES_LIMIT = 256 * 1024 * 1024;
    static final int MAX_BATCH_LIMIT = 100_000;
    /** Below this Kafka cannot even fetch metadata reliably; above it a client has long given up. */
    static final Duration MIN_SUBMIT_TIMEOUT = Duration.ofMillis(100);
    static final Duration MAX_SUBMIT_TIMEOUT = Duration.ofMinutes(10);
    /** A shorter HMAC key would make forged "accepted" ids cheap to find. */
    static final int MIN_ID_SECRET_LENGTH = 16;

    public ApiSettings {
        requireRange(PORT, port, 0, MAX_PORT);
        requireRange(DASHBOARD_PORT, dashboardPort, 0, MAX_PORT);
        if (port != 0 && port == dashboardPort) {
            throw new Env.SettingsException(PORT + " and " + DASHBOARD_PORT + " must differ, both were " + port);
        }
        requireRange(MAX_BODY_BYTES, maxBodyBytes, MIN_BODY_BYTES, MAX_BODY_BYTES_LIMIT);
        requireRange(BATCH_LIMIT, batchLimit, 1, MAX_BATCH_LIMIT);
        if (submitTimeout == null || submitTimeout.compareTo(MIN_SUBMIT_TIMEOUT) < 0 || submitTimeout.compareTo(MAX_SUBMIT_TIMEOUT) > 0) {
            throw new Env.SettingsException(SUBMIT_TIMEOUT_MS + " must be between " + MIN_SUBMIT_TIMEOUT.toMillis() + " and "
                    + MAX_SUBMIT_TIMEOUT.toMillis() + ", was " + (submitTimeout == null ? null : submitTimeout.toMillis()));
        }
        if (idSecret == null || idSecret.length() < MIN_ID_SECRET_LENGTH) {
            throw new Env.SettingsException(ID_SECRET + " must be at least " + MIN_ID_SECRET_LENGTH + " characters long");
        }
        requireRange(BATCH_MEMBERS_LIMIT, batchMembersLimit, 1, MAX_BATCH_MEMBERS_LIMIT);
        if (batchMaxBodyBytes < MIN_BODY_BYTES || batchMaxBodyBytes > MAX_BATCH_MAX_BODY_BYTES) {
            throw new Env.SettingsException(BATCH_MAX_BODY_BYTES + " must be between " + MIN_BODY_BYTES + " and " + MAX_BATCH_MAX_BODY_BYTES
                    + ", was " + batchMaxBodyBytes);
        }
        if (maxPendingBytes < MIN_PENDING_BYTES) {
            throw new Env.SettingsException(MAX_PENDING_BYTES + " must be at least " + MIN_PENDING_BYTES + ", was " + maxPendingBytes);
        }
    }

    /** Settings whose batches with a completion job may have a body of the default size. */
    public ApiSettings(int port, int dashboardPort, int maxBodyBytes, int batchLimit, Duration submitTimeout, String idSecret, long maxPendingBytes,
                       int batchMembersLimit) {
        this(port, dashboardPort, maxBodyBytes, batchLimit, submitTimeout, idSecret, maxPendingBytes, batchMembersLimit, BATCH_MAX_BODY_BYTES_DEFAULT);
    }

    /** Settings whose batches with a completion job may have the default number of members. */
    public ApiSettings(int port, int dashboardPort, int maxBodyBytes, int batchLimit, Duration submitTimeout, String idSecret, long maxPendingBytes) {
        this(port, dashboardPort, maxBodyBytes, batchLimit, submitTimeout, idSecret, maxPendingBytes, BATCH_MEMBERS_LIMIT_DEFAULT);
    }

    /** Settings whose bound on submissions waiting for Kafka is the default, a quarter of the heap. */
    public ApiSettings(int port, int dashboardPort, int maxBodyBytes, int batchLimit, Duration submitTimeout, String idSecret) {
        this(port, dashboardPort, maxBodyBytes, batchLimit, submitTimeout, idSecret, defaultMaxPendingBytes());
    }

    public static ApiSettings from(Env env) {
        return new ApiSettings(
                env.integer(PORT, PORT_DEFAULT, 0, MAX_PORT),
                env.integer(DASHBOARD_PORT, DASHBOARD_PORT_DEFAULT, 0, MAX_PORT),
                env.integer(MAX_BODY_BYTES, MAX_BODY_BYTES_DEFAULT, MIN_BODY_BYTES, MAX_BODY_BYTES_LIMIT),
                env.integer(BATCH_LIMIT, BATCH_LIMIT_DEFAULT, 1, MAX_BATCH_LIMIT),
                env.millis(SUBMIT_TIMEOUT_MS, SUBMIT_TIMEOUT_DEFAULT, MIN_SUBMIT_TIMEOUT, MAX_SUBMIT_TIMEOUT),
                env.string(ID_SECRET, ID_SECRET_DEFAULT),
                env.longInteger(MAX_PENDING_BYTES, defaultMaxPendingBytes(), MIN_PENDING_BYTES, Long.MAX_VALUE),
                env.integer(BATCH_MEMBERS_LIMIT, BATCH_MEMBERS_LIMIT_DEFAULT, 1, MAX_BATCH_MEMBERS_LIMIT),
                env.longInteger(BATCH_MAX_BODY_BYTES, BATCH_MAX_BODY_BYTES_DEFAULT, MIN_BODY_BYTES, MAX_BATCH_MAX_BODY_BYTES));
    }

    /** Whether the id secret is the built-in development value, which several deployments would share. */
    public boolean usesDefaultIdSecret() {
        return ID_SECRET_DEFAULT.equals(idSecret);
    }

    /** Copies these settings with other ports, e.g. 0 and 0 for tests. */
    public ApiSettings withPorts(int port, int dashboardPort) {
        return new ApiSettings(port, dashboardPort, maxBodyBytes, batchLimit, submitTimeout, idSecret, maxPendingBytes, batchMembersLimit, batchMaxBodyBytes);
    }

    @Override
    public String toString() {
        return "ApiSettings[port=" + port + ", dashboardPort=" + dashboardPort + ", maxBodyBytes=" + maxBodyBytes
                + ", batchLimit=" + batchLimit + ", batchMembersLimit=" + batchMembersLimit + ", batchMaxBodyBytes=" + batchMaxBodyBytes + ", submitTimeout=" + submitTimeout + ", idSecret=***]";
    }

    private static void requireRange(String variable, int value, int min, int max) {
        if (value < min || value > max) {
            throw new Env.SettingsException(variable + " must be between " + min + " and " + max + ", was " + value);
        }
    }
}
