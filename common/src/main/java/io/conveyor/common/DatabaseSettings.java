package io.conveyor.common;

import java.util.Map;

/**
 * The PostgreSQL database that holds the JobRunr ledger; shared by the api and worker roles.
 *
 * @param jdbcUrl  {@code CONVEYOR_DB_URL}
 * @param user     {@code CONVEYOR_DB_USER}
 * @param password {@code CONVEYOR_DB_PASSWORD}
 */
public record DatabaseSettings(String jdbcUrl, String user, String password) {

    public static final String URL = "CONVEYOR_DB_URL";
    public static final String USER = "CONVEYOR_DB_USER";
    public static final String PASSWORD = "CONVEYOR_DB_PASSWORD";
    public static final String URL_DEFAULT = "jdbc:postgresql://127.0.0.1:5432/postgres";
    public static final String USER_DEFAULT = "postgres";

    public DatabaseSettings {
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:postgresql:")) {
            throw new Env.SettingsException(URL + " must be a jdbc:postgresql: URL, was '" + jdbcUrl + "'");
        }
        password = password == null ? "" : password;
    }

    /** These settings as the environment variables that produce them, e.g. for a forked worker JVM. */
    public Map<String, String> asEnvironment() {
        return Map.of(URL, jdbcUrl, USER, user, PASSWORD, password);
    }

    public static DatabaseSettings from(Env env) {
        return new DatabaseSettings(env.string(URL, URL_DEFAULT), env.string(USER, USER_DEFAULT), env.string(PASSWORD, ""));
    }

    @Override
    public String toString() {
        return "DatabaseSettings[jdbcUrl=" + jdbcUrl + ", user=" + user + ", password=***]";
    }
}
