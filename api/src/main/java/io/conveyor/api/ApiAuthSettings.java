package io.conveyor.api;

import io.conveyor.common.Env;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Who may call the API and open the dashboard, read from environment variables. With no tokens the API accepts
 * every caller (for {@code dev} and trusted networks), and says so at start.
 *
 * @param tokens            {@code CONVEYOR_API_TOKENS}: comma-separated {@code name:token:scope+scope}, e.g.
 *                          {@code ci:3f9a...:submit+read,ops:77b1...:admin+read}; a token has at least
 *                          {@value #MIN_TOKEN_LENGTH} characters of {@code A-Z a-z 0-9 . _ ~ -}
 * @param dashboardUser     {@code CONVEYOR_DASHBOARD_USER}: with the password, the dashboard asks for basic auth
 * @param dashboardPassword {@code CONVEYOR_DASHBOARD_PASSWORD}
 */
public record ApiAuthSettings(List<ApiToken> tokens, Optional<String> dashboardUser, Optional<String> dashboardPassword) {

    public static final String API_TOKENS = "CONVEYOR_API_TOKENS";
    public static final String DASHBOARD_USER = "CONVEYOR_DASHBOARD_USER";
    public static final String DASHBOARD_PASSWORD = "CONVEYOR_DASHBOARD_PASSWORD";

    /** Short tokens can be guessed; 16 characters of the allowed set are over 90 bits. */
    static final int MIN_TOKEN_LENGTH = 16;

    /** Nobody is asked for anything. */
    public static final ApiAuthSettings NONE = new ApiAuthSettings(List.of(), Optional.empty(), Optional.empty());

    /** What a token may do. */
    public enum Scope {
        /** {@code POST /jobs}, {@code POST /jobs/batch}. */
        SUBMIT,
        /** Every {@code GET} of jobs and events. */
        READ,
        /** Changing jobs that exist: cancel, retry, recurring jobs. */
        ADMIN;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One caller's token; {@code name} is what logs may show, never the token. */
    public record ApiToken(String name, String token, Set<Scope> scopes) {

        @Override
        public String toString() {
            return "ApiToken[name=" + name + ", token=***, scopes=" + scopes + "]";
        }
    }

    public ApiAuthSettings {
        tokens = List.copyOf(tokens);
        if (dashboardUser.isPresent() != dashboardPassword.isPresent()) {
            throw new Env.SettingsException(DASHBOARD_USER + " and " + DASHBOARD_PASSWORD + " must be set together");
        }
    }

    public static ApiAuthSettings from(Env env) {
        return new ApiAuthSettings(parseTokens(env.optional(API_TOKENS).orElse("")),
                env.optional(DASHBOARD_USER).filter(user -> !user.isBlank()),
                env.optional(DASHBOARD_PASSWORD).filter(password -> !password.isBlank()));
    }

    /** Whether the API asks callers for a token. */
    public boolean tokensRequired() {
        return !tokens.isEmpty();
    }

    static List<ApiToken> parseTokens(String text) {
        List<ApiToken> tokens = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> secrets = new HashSet<>();
        for (String entry : text.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            String[] parts = entry.strip().split(":", -1);
            if (parts.length != 3 || parts[0].isBlank()) {
                throw new Env.SettingsException(API_TOKENS + " holds name:token:scope+scope entries separated by commas; an entry has "
                        + parts.length + " parts" + (parts[0].isBlank() ? "" : " (name " + parts[0] + ")"));
            }
            String name = parts[0];
            String token = parts[1];
            if (token.length() < MIN_TOKEN_LENGTH || !token.matches("[A-Za-z0-9._~-]+")) {
                throw new Env.SettingsException(API_TOKENS + ": the token of " + name + " must have at least " + MIN_TOKEN_LENGTH
                        + " characters of A-Z a-z 0-9 . _ ~ -");
            }
            Set<Scope> scopes = EnumSet.noneOf(Scope.class);
            for (String scope : parts[2].split("\\+")) {
                try {
                    scopes.add(Scope.valueOf(scope.strip().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new Env.SettingsException(API_TOKENS + ": " + name + " has the scope '" + scope + "'; scopes are submit, read, admin");
                }
            }
            if (!names.add(name) || !secrets.add(token)) {
                throw new Env.SettingsException(API_TOKENS + ": names and tokens must be unique; " + name + " repeats one");
            }
            tokens.add(new ApiToken(name, token, Set.copyOf(scopes)));
        }
        return tokens;
    }

    @Override
    public String toString() {
        return "ApiAuthSettings[tokens=" + tokens + ", dashboardUser=" + dashboardUser.orElse(null) + ", dashboardPassword="
                + (dashboardPassword.isPresent() ? "***" : null) + "]";
    }
}
