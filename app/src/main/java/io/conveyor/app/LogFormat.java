package io.conveyor.app;

import io.conveyor.common.Env;

import java.util.Set;

/**
 * How every role logs: {@code CONVEYOR_LOG_FORMAT} {@code text} (the default) or {@code json}, read by the logging
 * configuration ({@code conveyor-logging.xml}, which names the appender after it) and checked here before a role
 * starts, since logback would otherwise log nothing at all for an unknown value.
 */
final class LogFormat {

    static final String LOG_FORMAT = "CONVEYOR_LOG_FORMAT";
    static final String LOG_FORMAT_DEFAULT = "text";
    static final Set<String> FORMATS = Set.of("text", "json");

    private LogFormat() {
    }

    /** Throws a settings error naming the variable unless it is unset or one of {@link #FORMATS}. */
    static void check(Env env) {
        String format = env.string(LOG_FORMAT, LOG_FORMAT_DEFAULT);
        if (!FORMATS.contains(format)) {
            throw new Env.SettingsException(LOG_FORMAT + " must be one of " + FORMATS + ", was '" + format + "'");
        }
    }
}
