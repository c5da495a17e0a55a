package io.conveyor.api;

import io.conveyor.api.ApiAuthSettings.Scope;
import io.conveyor.common.Env;
import io.javalin.http.HandlerType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

import static io.conveyor.api.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bearer tokens and scopes on every route the API serves ({@link ApiServer#ROUTES}), on a real server. */
class BearerAuthTest {

    private static final String SUBMIT = "submit-token-0123456789";
    private static final String READ = "read-token-0123456789ab";
    private static final String ADMIN = "admin-token-0123456789a";
    private static final String ALL = "all-token-0123456789abcd";
    private static final ApiSettings SETTINGS =
            new ApiSettings(0, 0, ApiSettings.MAX_BODY_BYTES_DEFAULT, 5, Duration.ofSeconds(1), "unit-test-id-secret");

    private final HttpClient client = HttpClient.newHttpClient();
    private ApiServer server;

    @BeforeEach
    void start() {
        ApiAuthSettings auth = ApiAuthSettings.from(new Env(Map.of(ApiAuthSettings.API_TOKENS,
                "ci:" + SUBMIT + ":submit, reader:" + READ + ":read,ops:" + ADMIN + ":admin,all:" + ALL + ":submit+read+admin")));
        ApiServerTest.LedgerStandIn storage = new ApiServerTest.LedgerStandIn();
        Clock clock = Clock.fixed(Instant.parse("2026-03-04T05:06:07Z"), ZoneOffset.UTC);
        server = ApiServer.start(SETTINGS, new JobIds(SETTINGS.idSecret(), clock), new RecordingSubmitter(), new LedgerReader(storage), clock,
                new OperationsEndpoints(new ApiMetrics(new io.conveyor.common.Metrics(), storage, OptionalLong::empty),
                        new ApiHealth(Map.of("kafka", () -> true, "ledger", () -> true))),
                new BearerAuth(auth));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void everyRouteAsksForItsScopeOrIsOpen() throws Exception {
        List<String> routes = server.routes();
        assertThat(routes).hasSizeGreaterThanOrEqualTo(7);
        for (String route : routes) {
            String method = route.substring(0, route.indexOf(' '));
            String path = route.substring(route.indexOf(' ') + 1);
            Optional<Scope> scope = BearerAuth.scopeOf(HandlerType.findOrCreate(method), path);
            String concrete = path.replace("{id}", UUID.randomUUID().toString()).replace("{file}", "swagger-ui.css");
            if (scope.isEmpty()) {
                assertThat(send(method, concrete, null).statusCode()).as("%s without a token (open)", route).isNotIn(401, 403);
                continue;
            }
            HttpResponse<String> anonymous = send(method, concrete, null);
            assertThat(anonymous.statusCode()).as("%s without a token", route).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).as(route).hasValueSatisfying(value -> assertThat(value).startsWith("Bearer"));
            assertThat(anonymous.headers().firstValue("Content-Type")).hasValue(Problem.CONTENT_TYPE);
            assertThat(send(method, concrete, "not-a-token-we-know-at-all").statusCode()).as("%s with an unknown token", route).isEqualTo(401);
            for (Map.Entry<Scope, String> token : Map.of(Scope.SUBMIT, SUBMIT, Scope.READ, READ, Scope.ADMIN, ADMIN).entrySet()) {
                HttpResponse<String> response = send(method, concrete, token.getValue());
                if (token.getKey() == scope.get()) {
                    assertThat(response.statusCode()).as("%s with a %s token", route, token.getKey()).isNotIn(401, 403);
                } else {
                    assertThat(response.statusCode()).as("%s with a %s token", route, token.getKey()).isEqualTo(403);
                    assertThat(json(response).path("detail").asText()).contains(scope.get().label()).doesNotContain(token.getValue());
                }
            }
            assertThat(send(method, concrete, ALL).statusCode()).as("%s with every scope", route).isNotIn(401, 403);
        }
    }

    @Test
    void routesAddedLaterNeedAdminUnlessTheyOnlyRead() {
        assertThat(BearerAuth.scopeOf(HandlerType.POST, "/jobs")).hasValue(Scope.SUBMIT);
        assertThat(BearerAuth.scopeOf(HandlerType.POST, "/jobs/batch")).hasValue(Scope.SUBMIT);
        assertThat(BearerAuth.scopeOf(HandlerType.GET, "/jobs")).hasValue(Scope.READ);
        assertThat(BearerAuth.scopeOf(HandlerType.GET, "/jobs/{id}/events")).hasValue(Scope.READ);
        assertThat(BearerAuth.scopeOf(HandlerType.DELETE, "/jobs/{id}")).hasValue(Scope.ADMIN);
        assertThat(BearerAuth.scopeOf(HandlerType.POST, "/jobs/{id}/retry")).hasValue(Scope.ADMIN);
        assertThat(BearerAuth.scopeOf(HandlerType.GET, "/metrics")).isEmpty();
        assertThat(BearerAuth.scopeOf(HandlerType.GET, "/health/ready")).isEmpty();
        assertThat(BearerAuth.scopeOf(HandlerType.GET, "/healthz")).as("only the named open routes").hasValue(Scope.READ);
    }

    @Test
    void badTokenSettingsAreRefusedWithoutShowingTheToken() {
        assertThatThrownBy(() -> ApiAuthSettings.parseTokens("ci:short:submit")).isInstanceOf(Env.SettingsException.class)
                .hasMessageContaining("ci").hasMessageNotContaining("short");
        assertThatThrownBy(() -> ApiAuthSettings.parseTokens("ci:" + SUBMIT + ":write")).hasMessageContaining("write");
        assertThatThrownBy(() -> ApiAuthSettings.parseTokens("ci:" + SUBMIT)).hasMessageContaining("name:token:scope");
        assertThatThrownBy(() -> ApiAuthSettings.parseTokens("a:" + SUBMIT + ":read,b:" + SUBMIT + ":read")).hasMessageContaining("unique");
        assertThatThrownBy(() -> ApiAuthSettings.from(new Env(Map.of(ApiAuthSettings.DASHBOARD_USER, "admin"))))
                .hasMessageContaining(ApiAuthSettings.DASHBOARD_PASSWORD);
        assertThat(ApiAuthSettings.from(new Env(Map.of(ApiAuthSettings.API_TOKENS, "ci:" + SUBMIT + ":submit"))).toString()).doesNotContain(SUBMIT);
        assertThat(ApiAuthSettings.from(new Env(Map.of())).tokensRequired()).isFalse();
    }

    private HttpResponse<String> send(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, method.equals("POST")
                        ? HttpRequest.BodyPublishers.ofString(path.endsWith("batch") ? "[{\"type\":\"noop\"}]" : "{\"type\":\"noop\"}")
                        : HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
