package io.conveyor.api;

import io.conveyor.api.ApiAuthSettings.ApiToken;
import io.conveyor.api.ApiAuthSettings.Scope;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.Header;
import io.javalin.router.Endpoint;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

/**
 * Bearer tokens with scopes, checked before every matched route: {@code 401} with {@code WWW-Authenticate} when the
 * token is missing or unknown, {@code 403} when it lacks the route's scope. The routes for operators
 * ({@code /health*}, {@code /metrics}, {@code /openapi.json}, {@code /docs}) stay open. Tokens are compared by their
 * SHA-256 digests with {@link MessageDigest#isEqual} against every configured token, so neither the time to answer nor
 * an early exit tells how much of a guess was right; tokens are never logged.
 * <p>
 * Which scope a route needs: {@code POST /jobs}, {@code POST /jobs/batch} and {@code POST /batches} {@code submit}; any other {@code GET}
 * {@code read}; any other method {@code admin} (cancel, retry, recurring jobs), so that a route added later is
 * protected by default.
 */
final class BearerAuth {

    private static final List<String> OPEN = List.of("/health", "/metrics", "/openapi.json", "/docs");
    private static final String BEARER = "Bearer ";

    private final List<Entry> entries;

    private record Entry(ApiToken token, byte[] digest) {
    }

    BearerAuth(ApiAuthSettings settings) {
        this.entries = settings.tokens().stream().map(token -> new Entry(token, digest(token.token()))).toList();
    }

    /** The scope a route needs, or empty for an open route. */
    static Optional<Scope> scopeOf(HandlerType method, String path) {
        if (OPEN.stream().anyMatch(open -> path.equals(open) || path.startsWith(open + "/"))) {
            return Optional.empty();
        }
        if (HandlerType.POST.equals(method) && (path.equals("/jobs") || path.equals("/jobs/batch") || path.equals("/batches"))) {
            return Optional.of(Scope.SUBMIT);
        }
        return Optional.of(HandlerType.GET.equals(method) || HandlerType.HEAD.equals(method) ? Scope.READ : Scope.ADMIN);
    }

    /** Throws a 401 or 403 problem unless the request may call its route. */
    void check(Context ctx) {
        if (entries.isEmpty()) {
            return;
        }
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint(); // ctx.endpoint() is the before-handler itself
        Optional<Scope> needed = scopeOf(endpoint.method, endpoint.path);
        if (needed.isEmpty()) {
            return;
        }
        String authorization = ctx.header(Header.AUTHORIZATION);
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            ctx.header(Header.WWW_AUTHENTICATE, "Bearer realm=\"conveyor\"");
            throw new ProblemException(Problem.status(401, "this route needs a bearer token (Authorization: Bearer <token>) with the scope "
                    + needed.get().label()));
        }
        Optional<ApiToken> token = find(authorization.substring(BEARER.length()).strip());
        if (token.isEmpty()) {
            ctx.header(Header.WWW_AUTHENTICATE, "Bearer realm=\"conveyor\", error=\"invalid_token\"");
            throw new ProblemException(Problem.status(401, "the bearer token is not one this API knows"));
        }
        if (!token.get().scopes().contains(needed.get())) {
            ctx.header(Header.WWW_AUTHENTICATE, "Bearer realm=\"conveyor\", error=\"insufficient_scope\", scope=\"" + needed.get().label() + "\"");
            throw new ProblemException(Problem.status(403, "the token " + token.get().name() + " lacks the scope "
                    + needed.get().label() + " that " + ctx.req().getMethod() + " " + endpoint.path + " needs"));
        }
    }

    /** Compares with every token, whatever matched, in time that does not depend on where a guess differs. */
    private Optional<ApiToken> find(String presented) {
        byte[] digest = digest(presented);
        ApiToken found = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.digest(), digest)) {
                found = entry.token();
            }
        }
        return Optional.ofNullable(found);
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
