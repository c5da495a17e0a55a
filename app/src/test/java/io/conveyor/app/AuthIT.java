package io.conveyor.app;

import io.conveyor.api.ApiApplication;
import io.conveyor.api.ApiAuthSettings;
import io.conveyor.api.ApiSettings;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.TestServices;
import io.conveyor.common.Env;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The api role with {@code CONVEYOR_API_TOKENS} and dashboard credentials, on real Kafka and PostgreSQL: a job submitted
 * with a submit token, read with a read token, each refused with the other's; operators' routes open; the dashboard
 * behind basic auth. (Every route against every scope: {@code BearerAuthTest}.)
 */
class AuthIT {

    private static final String SUBMIT = "it-submit-token-0123456789";
    private static final String READ = "it-read-token-0123456789ab";
    private static ApiApplication api;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() {
        ApiAuthSettings auth = ApiAuthSettings.from(new Env(Map.of(
                ApiAuthSettings.API_TOKENS, "ci:" + SUBMIT + ":submit,dashboard-reader:" + READ + ":read",
                ApiAuthSettings.DASHBOARD_USER, "operator", ApiAuthSettings.DASHBOARD_PASSWORD, "correct horse battery")));
        api = ApiApplication.start(new ApiSettings(0, 0, ApiSettings.MAX_BODY_BYTES_DEFAULT, ApiSettings.BATCH_LIMIT_DEFAULT,
                Duration.ofSeconds(5), "auth-it-id-secret-0123456789"), auth, TestServices.newKafka("auth"), TestServices.newDatabase("auth"));
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void tokensGovernWhoSubmitsAndWhoReads() throws Exception {
        assertThat(send("POST", "/jobs", null).statusCode()).isEqualTo(401);
        assertThat(send("POST", "/jobs", READ).statusCode()).isEqualTo(403);
        HttpResponse<String> accepted = send("POST", "/jobs", SUBMIT);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String id = ConveyorClient.json(accepted.body()).get("id").asText();

        assertThat(send("GET", "/jobs/" + id, null).statusCode()).isEqualTo(401);
        assertThat(send("GET", "/jobs/" + id, SUBMIT).statusCode()).isEqualTo(403);
        HttpResponse<String> read = send("GET", "/jobs/" + id, READ);
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        assertThat(ConveyorClient.json(read.body()).get("id").asText()).isEqualTo(id);

        assertThat(send("GET", "/metrics", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/health/live", null).statusCode()).isEqualTo(200);
        assertThat(send("GET", "/health/ready", null).statusCode()).isEqualTo(200);
    }

    @Test
    void theDashboardAsksForBasicAuth() throws Exception {
        String url = "http://127.0.0.1:" + api.dashboardPort() + "/api/jobs?state=ENQUEUED";
        HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> wrong = http.send(basic(url, "operator", "wrong"), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> right = http.send(basic(url, "operator", "correct horse battery"), HttpResponse.BodyHandlers.ofString());

        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(right.statusCode()).as(right.body()).isEqualTo(200);
    }

    private static HttpRequest basic(String url, String user, String password) {
        String credentials = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
        return HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Basic " + credentials).GET().build();
    }

    private HttpResponse<String> send(String method, String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{\"type\":\"noop\"}") : HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
