package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.conveyor.api.ApiApplication;
import io.conveyor.api.ApiAuthSettings;
import io.conveyor.api.ApiSettings;
import io.conveyor.api.EventsEndpoint;
import io.conveyor.api.JobControl;
import io.conveyor.app.testing.ConveyorExtension;
import io.conveyor.common.Env;
import io.conveyor.common.JobSubmissionJson;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document held to the API as it runs in production, on a real ledger, Kafka and a worker JVM: every route
 * the API registers (the job-control ones included, which {@code OpenApiContractTest} cannot start without a ledger)
 * is documented and every documented operation is a route; and every documented answer of the routes that need the
 * ledger (job control, a keyed submission's {@code 200}) is given to a real request, with a body valid against its
 * documented schema.
 */
class OpenApiLedgerRoutesIT {

    private static final Duration ENDS = Duration.ofSeconds(90);
    private static final String TOKEN = "contract-admin-0123456789";
    private static final String READ_ONLY = "contract-read-0123456789a";
    private static final String SUBMIT_ONLY = "contract-submit-012345678";
    /** The answers beside those of the job-control routes that need the ledger (as {@code OpenApiContractTest} lists them). */
    private static final Set<String> LEDGER_ANSWERS = Set.of("POST /jobs 200", "POST /jobs/batch 200");

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("contract").withFleet(1, Map.of()).awaitingFleet();

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static ApiApplication api;
    private static JsonNode document;

    private record Case(String method, String path, String body, String token, Map<String, String> headers) {
    }

    @BeforeAll
    static void start() throws IOException {
        // A second API instance of the same installation, with bearer tokens, so that 401 and 403 are answers too.
        ApiAuthSettings auth = ApiAuthSettings.from(new Env(Map.of(ApiAuthSettings.API_TOKENS,
                "all:" + TOKEN + ":submit+read+admin,reader:" + READ_ONLY + ":read,submitter:" + SUBMIT_ONLY + ":submit")));
        api = ApiApplication.start(new ApiSettings(0, 0, ApiSettings.MAX_BODY_BYTES_DEFAULT, ApiSettings.BATCH_LIMIT_DEFAULT,
                Duration.ofSeconds(5), "test-secret-contract-0123456789"), auth, conveyor.kafka(), conveyor.database());
        try (InputStream in = ApiApplication.class.getResourceAsStream("openapi.json")) {
            document = JobSubmissionJson.MAPPER.readTree(in);
        }
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void everyRouteOfTheApiOnItsLedgerIsDocumentedAndEveryDocumentedOperationIsARoute() {
        Set<String> documented = new TreeSet<>();
        document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation ->
                documented.add(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey())));
        assertThat(new TreeSet<>(api.routes())).as("routes the API answers, against the document").isEqualTo(documented);
        assertThat(api.routes()).as("the job-control routes are among them").contains(JobControl.ROUTES.split(", "));
    }

    @Test
    void everyDocumentedAnswerThatNeedsTheLedgerIsGivenAndMatchesItsSchema() throws Exception {
        String key = "contract-" + UUID.randomUUID();
        String job = "{\"type\":\"noop\",\"labels\":[\"contract\"]}";
        UUID keyed = submit(job, key);
        UUID failed = submit("{\"type\":\"fail\",\"maxAttempts\":1,\"payload\":{\"n\":1000}}", null);
        UUID succeeded = submit("{\"type\":\"noop\"}", null);
        UUID toCancel = submit("{\"type\":\"noop\",\"delayMillis\":3600000}", null);
        conveyor.awaitState(keyed, "SUCCEEDED", ENDS);
        conveyor.awaitState(failed, "FAILED", ENDS);
        conveyor.awaitState(succeeded, "SUCCEEDED", ENDS);
        conveyor.awaitState(toCancel, "SCHEDULED", ENDS);
        String unknown = "/jobs/" + UUID.randomUUID();
        HttpResponse<String> batchAccepted = send(new Case("POST", "/batches", "{\"jobs\":[{\"type\":\"noop\"}],\"then\":{\"type\":\"noop\"}}", TOKEN, Map.of()));
        assertThat(batchAccepted.statusCode()).as(batchAccepted.body()).isEqualTo(202);
        String batch = "/batches/" + JobSubmissionJson.MAPPER.readTree(batchAccepted.body()).get("id").asText();
        String unknownBatch = "/batches/" + UUID.randomUUID();

        Map<String, Case> cases = new LinkedHashMap<>();
        cases.put("POST /jobs 200", new Case("POST", "/jobs", job, TOKEN, Map.of("Idempotency-Key", key)));
        cases.put("POST /jobs/batch 200", new Case("POST", "/jobs/batch",
                "[{\"type\":\"noop\",\"labels\":[\"contract\"],\"key\":\"" + key + "\"}]", TOKEN, Map.of()));
        cases.put("GET /batches/{id} 200", new Case("GET", batch, null, TOKEN, Map.of()));
        cases.put("GET /batches/{id} 401", new Case("GET", batch, null, null, Map.of()));
        cases.put("GET /batches/{id} 403", new Case("GET", batch, null, SUBMIT_ONLY, Map.of()));
        cases.put("GET /batches/{id} 404", new Case("GET", unknownBatch, null, TOKEN, Map.of()));
        cases.put("POST /batches/{id}/cancel 401", new Case("POST", batch + "/cancel", null, null, Map.of()));
        cases.put("POST /batches/{id}/cancel 403", new Case("POST", batch + "/cancel", null, READ_ONLY, Map.of()));
        cases.put("POST /batches/{id}/cancel 404", new Case("POST", unknownBatch + "/cancel", null, TOKEN, Map.of()));
        cases.put("POST /batches/{id}/cancel 200", new Case("POST", batch + "/cancel", null, TOKEN, Map.of()));
        cases.put("GET /jobs 200", new Case("GET", "/jobs?label=contract&limit=1", null, TOKEN, Map.of()));
        cases.put("GET /jobs 400", new Case("GET", "/jobs?limit=0", null, TOKEN, Map.of()));
        cases.put("GET /jobs 401", new Case("GET", "/jobs", null, null, Map.of()));
        cases.put("GET /jobs 403", new Case("GET", "/jobs", null, SUBMIT_ONLY, Map.of()));
        cases.put("POST /jobs/{id}/cancel 200", new Case("POST", "/jobs/" + toCancel + "/cancel", null, TOKEN, Map.of()));
        cases.put("POST /jobs/{id}/cancel 401", new Case("POST", "/jobs/" + toCancel + "/cancel", null, null, Map.of()));
        cases.put("POST /jobs/{id}/cancel 403", new Case("POST", "/jobs/" + toCancel + "/cancel", null, READ_ONLY, Map.of()));
        cases.put("POST /jobs/{id}/cancel 404", new Case("POST", unknown + "/cancel", null, TOKEN, Map.of()));
        cases.put("POST /jobs/{id}/cancel 409", new Case("POST", "/jobs/" + succeeded + "/cancel", null, TOKEN, Map.of()));
        cases.put("POST /jobs/{id}/retry 200", new Case("POST", "/jobs/" + failed + "/retry", null, TOKEN, Map.of()));
        cases.put("POST /jobs/{id}/retry 401", new Case("POST", "/jobs/" + failed + "/retry", null, null, Map.of()));
        cases.put("POST /jobs/{id}/retry 403", new Case("POST", "/jobs/" + failed + "/retry", null, READ_ONLY, Map.of()));
        cases.put("POST /jobs/{id}/retry 404", new Case("POST", unknown + "/retry", null, TOKEN, Map.of()));
        cases.put("POST /jobs/{id}/retry 409", new Case("POST", "/jobs/" + succeeded + "/retry", null, TOKEN, Map.of()));
        cases.put("POST /jobs/retry 200", new Case("POST", "/jobs/retry?type=fail&label=none-such", null, TOKEN, Map.of()));
        cases.put("POST /jobs/retry 400", new Case("POST", "/jobs/retry?state=SUCCEEDED", null, TOKEN, Map.of()));
        cases.put("POST /jobs/retry 401", new Case("POST", "/jobs/retry", null, null, Map.of()));
        cases.put("POST /jobs/retry 403", new Case("POST", "/jobs/retry", null, READ_ONLY, Map.of()));
        cases.put("GET /workers 200", new Case("GET", "/workers", null, TOKEN, Map.of()));
        cases.put("GET /workers 401", new Case("GET", "/workers", null, null, Map.of()));
        cases.put("GET /workers 403", new Case("GET", "/workers", null, SUBMIT_ONLY, Map.of()));
        cases.put("GET /types 200", new Case("GET", "/types", null, TOKEN, Map.of()));
        cases.put("GET /types 401", new Case("GET", "/types", null, null, Map.of()));
        cases.put("GET /types 403", new Case("GET", "/types", null, SUBMIT_ONLY, Map.of()));
        cases.put("GET /jobs/{id}/events 200", new Case("GET", "/jobs/" + succeeded + "/events", null, TOKEN, Map.of()));
        cases.put("GET /jobs/{id}/events 401", new Case("GET", "/jobs/" + succeeded + "/events", null, null, Map.of()));
        cases.put("GET /jobs/{id}/events 403", new Case("GET", "/jobs/" + succeeded + "/events", null, SUBMIT_ONLY, Map.of()));
        cases.put("GET /jobs/{id}/events 404", new Case("GET", unknown + "/events", null, TOKEN, Map.of()));
        cases.put("GET /events 200", new Case("GET", "/events?type=noop", null, TOKEN, Map.of()));
        cases.put("GET /events 400", new Case("GET", "/events?state=RUNNING", null, TOKEN, Map.of()));
        cases.put("GET /events 401", new Case("GET", "/events", null, null, Map.of()));
        cases.put("GET /events 403", new Case("GET", "/events", null, SUBMIT_ONLY, Map.of()));

        String recurring = "/recurring/contract-nightly";
        String recurringJob = "{\"cron\":\"0 3 * * *\",\"zone\":\"Europe/Paris\",\"job\":{\"type\":\"noop\"}}";
        cases.put("PUT /recurring/{name} 200", new Case("PUT", recurring, recurringJob, TOKEN, Map.of()));
        cases.put("PUT /recurring/{name} 401", new Case("PUT", recurring, recurringJob, null, Map.of()));
        cases.put("PUT /recurring/{name} 403", new Case("PUT", recurring, recurringJob, READ_ONLY, Map.of()));
        cases.put("PUT /recurring/{name} 422", new Case("PUT", recurring, recurringJob.replace("0 3 * * *", "*/2 * * * * *"), TOKEN, Map.of()));
        cases.put("GET /recurring 200", new Case("GET", "/recurring", null, TOKEN, Map.of()));
        cases.put("GET /recurring 401", new Case("GET", "/recurring", null, null, Map.of()));
        cases.put("GET /recurring 403", new Case("GET", "/recurring", null, SUBMIT_ONLY, Map.of()));
        cases.put("GET /recurring/{name} 200", new Case("GET", recurring, null, TOKEN, Map.of()));
        cases.put("GET /recurring/{name} 401", new Case("GET", recurring, null, null, Map.of()));
        cases.put("GET /recurring/{name} 403", new Case("GET", recurring, null, SUBMIT_ONLY, Map.of()));
        cases.put("GET /recurring/{name} 404", new Case("GET", "/recurring/none-such", null, TOKEN, Map.of()));
        cases.put("DELETE /recurring/{name} 401", new Case("DELETE", recurring, null, null, Map.of()));
        cases.put("DELETE /recurring/{name} 403", new Case("DELETE", recurring, null, READ_ONLY, Map.of()));
        cases.put("DELETE /recurring/{name} 200", new Case("DELETE", recurring, null, TOKEN, Map.of()));
        cases.put("DELETE /recurring/{name} 404", new Case("DELETE", recurring, null, TOKEN, Map.of()));

        Set<String> jobControl = new java.util.HashSet<>(Set.of(JobControl.ROUTES.split(", ")));
        jobControl.addAll(Set.of(EventsEndpoint.ROUTES.split(", ")));
        Set<String> documented = new TreeSet<>();
        document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation ->
                operation.getValue().path("responses").properties().forEach(response -> {
                    String route = operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
                    String answer = route + " " + response.getKey();
                    if (jobControl.contains(route) || LEDGER_ANSWERS.contains(answer)) {
                        documented.add(answer);
                    }
                })));
        assertThat(new TreeSet<>(cases.keySet())).as("answers with a case here, against the document's").isEqualTo(documented);

        for (Map.Entry<String, Case> entry : cases.entrySet()) {
            String[] answer = entry.getKey().split(" ");
            JsonNode content = document.path("paths").path(answer[1]).path(answer[0].toLowerCase(Locale.ROOT))
                    .path("responses").path(answer[2]).path("content");
            String mediaType = content.properties().iterator().next().getKey();
            if (mediaType.equals("text/event-stream")) { // a live stream: its head, not an end that may never come
                HttpResponse<java.io.InputStream> stream = sendStreaming(entry.getValue());
                try (java.io.InputStream body = stream.body()) {
                    assertThat(stream.statusCode()).as(entry.getKey()).isEqualTo(Integer.parseInt(answer[2]));
                    assertThat(stream.headers().firstValue("Content-Type").orElse("")).as("%s: content type", entry.getKey()).startsWith(mediaType);
                }
                continue;
            }
            HttpResponse<String> response = send(entry.getValue());
            assertThat(response.statusCode()).as("%s: %s", entry.getKey(), response.body()).isEqualTo(Integer.parseInt(answer[2]));
            assertThat(response.headers().firstValue("Content-Type").orElse("")).as("%s: content type", entry.getKey()).startsWith(mediaType);
            assertValid(content.path(mediaType).path("schema"), response.body(), entry.getKey());
        }
    }

    private static UUID submit(String body, String key) throws Exception {
        HttpResponse<String> response = send(new Case("POST", "/jobs", body, TOKEN, key == null ? Map.of() : Map.of("Idempotency-Key", key)));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return UUID.fromString(JobSubmissionJson.MAPPER.readTree(response.body()).get("id").asText());
    }

    private static void assertValid(JsonNode schema, String body, String what) {
        ObjectNode root = JobSubmissionJson.MAPPER.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("components", document.path("components"));
        root.setAll((ObjectNode) schema.deepCopy());
        var errors = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(root.toString(), InputFormat.JSON).validate(body, InputFormat.JSON);
        assertThat(errors).as("%s: body %s against %s", what, body, schema).isEmpty();
    }

    private static HttpResponse<String> send(Case c) throws Exception {
        return HTTP.send(request(c), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<java.io.InputStream> sendStreaming(Case c) throws Exception {
        return HTTP.send(request(c), HttpResponse.BodyHandlers.ofInputStream());
    }

    private static HttpRequest request(Case c) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + c.path()))
                .method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(c.body()));
        if (c.token() != null) {
            request.header("Authorization", "Bearer " + c.token());
        }
        c.headers().forEach(request::header);
        return request.build();
    }
}
