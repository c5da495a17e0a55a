package io.conveyor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.Env;
import io.conveyor.common.JobSubmissionJson;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.states.EnqueuedState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document ({@code openapi.json}, design-first) held true both ways on a real server: it is a valid
 * OpenAPI 3.1 document; every route the server answers is documented and every documented operation is answered
 * (a route added without documenting it fails here); and for every documented status of every operation a real
 * request gets that status with a body valid against the documented schema (a status documented without a case here
 * fails too). The server here has no ledger, so neither the job-control routes nor a keyed submission's {@code 200}:
 * those answers are {@link #LEDGER_ANSWERS}, which {@code OpenApiLedgerRoutesIT} (app) gets from a server on a real
 * ledger, routes included.
 */
class OpenApiContractTest {

    /** The documented answers that only a server with a ledger gives: every answer of a job-control route, and these. */
    static final Set<String> LEDGER_ANSWERS = Set.of("POST /jobs 200", "POST /jobs/batch 200");

    private static final String TOKEN = "contract-token-0123456789";
    private static final String READ_ONLY = "contract-read-0123456789a";
    private static final String SUBMIT_ONLY = "contract-submit-012345678";
    private static final ApiSettings SETTINGS =
            new ApiSettings(0, 0, ApiSettings.MIN_BODY_BYTES * 64, 5, Duration.ofSeconds(1), "unit-test-id-secret");

    private final HttpClient client = HttpClient.newHttpClient();
    private final RecordingSubmitter submitter = new RecordingSubmitter();
    private final ApiServerTest.LedgerStandIn storage = new ApiServerTest.LedgerStandIn();
    private volatile boolean kafkaUp = true;
    private ApiServer server;

    /** How to get each documented answer: a request, made after any setup it needs. */
    private record Case(String method, String path, String body, String token, Runnable setup) {
    }

    @BeforeEach
    void start() {
        ApiAuthSettings auth = ApiAuthSettings.from(new Env(Map.of(ApiAuthSettings.API_TOKENS,
                "all:" + TOKEN + ":submit+read+admin,reader:" + READ_ONLY + ":read,submitter:" + SUBMIT_ONLY + ":submit")));
        Clock clock = Clock.fixed(Instant.parse("2026-03-04T05:06:07Z"), ZoneOffset.UTC);
        server = ApiServer.start(SETTINGS, new JobIds(SETTINGS.idSecret(), clock), submitter, new LedgerReader(storage), clock,
                new OperationsEndpoints(new ApiMetrics(new io.conveyor.common.Metrics(), storage, OptionalLong::empty),
                        new ApiHealth(Map.of("kafka", () -> kafkaUp, "ledger", () -> true))),
                new BearerAuth(auth));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void theDocumentIsValidOpenApi31() {
        SwaggerParseResult result = parse();

        assertThat(result.getMessages()).as("parser messages").isEmpty();
        assertThat(result.getOpenAPI().getOpenapi()).isEqualTo("3.1.0");
    }

    @Test
    void everyRouteIsDocumentedAndEveryDocumentedOperationIsARoute() {
        Set<String> documented = new TreeSet<>();
        parse().getOpenAPI().getPaths().forEach((path, item) -> item.readOperationsMap()
                .forEach((method, operation) -> documented.add(method.name() + " " + path)));

        Set<String> routes = new TreeSet<>(server.routes());
        routes.addAll(ledgerRoutes());
        assertThat(routes).as("routes the server answers (with the ledger's), against the document").isEqualTo(documented);
    }

    @Test
    void everyDocumentedAnswerIsGivenAndMatchesItsSchema() throws Exception {
        JsonNode document = JobSubmissionJson.MAPPER.readTree(ApiDocs.document());
        Map<String, Case> cases = cases();
        Set<String> documented = new TreeSet<>();
        document.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation ->
                operation.getValue().path("responses").properties().forEach(response ->
                        documented.add(operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey() + " " + response.getKey()))));
        documented.removeIf(answer -> LEDGER_ANSWERS.contains(answer)
                || ledgerRoutes().contains(answer.substring(0, answer.lastIndexOf(' '))));
        assertThat(cases.keySet()).as("answers with a case here, against the document's").containsExactlyInAnyOrderElementsOf(documented);

        for (Map.Entry<String, Case> entry : cases.entrySet()) {
            String[] key = entry.getKey().split(" ");
            Case c = entry.getValue();
            c.setup().run();
            HttpResponse<String> response = send(c);
            assertThat(response.statusCode()).as("%s: %s", entry.getKey(), response.body()).isEqualTo(Integer.parseInt(key[2]));
            JsonNode content = document.path("paths").path(key[1]).path(key[0].toLowerCase(Locale.ROOT))
                    .path("responses").path(key[2]).path("content");
            String mediaType = content.properties().iterator().next().getKey();
            String actualType = response.headers().firstValue("Content-Type").orElse("");
            if (!mediaType.equals("*/*")) {
                assertThat(actualType).as("%s: content type", entry.getKey()).startsWith(mediaType);
            }
            if (mediaType.endsWith("json")) {
                assertValid(document, content.path(mediaType).path("schema"), response.body(), entry.getKey());
            }
            kafkaUp = true;
            submitter.failWith(null);
        }
    }

    private Map<String, Case> cases() {
        Runnable none = () -> { };
        String job = "{\"type\":\"noop\",\"payload\":{\"n\":1},\"labels\":[\"a\"]}";
        String tooBig = "{\"type\":\"noop\",\"payload\":{\"s\":\"" + "x".repeat(SETTINGS.maxBodyBytes()) + "\"}}";
        Runnable kafkaDown = () -> submitter.failWith(new KafkaUnavailableException("Kafka did not acknowledge", null));
        UUID stored = UUID.randomUUID();
        Runnable saveJob = () -> {
            Job ledgerJob = new Job(stored, new JobDetails("io.conveyor.worker.JobDispatcher", null, "run", List.of()), new EnqueuedState());
            ledgerJob.setJobName("sleep");
            ledgerJob.setAmountOfRetries(2);
            storage.save(ledgerJob);
        };
        Map<String, Case> cases = new LinkedHashMap<>();
        for (String path : List.of("/jobs", "/jobs/batch")) {
            boolean batch = path.endsWith("batch");
            String one = batch ? "[" + job + "]" : job;
            cases.put("POST " + path + " 202", new Case("POST", path, one, TOKEN, none));
            cases.put("POST " + path + " 400", new Case("POST", path, "{not json", TOKEN, none));
            cases.put("POST " + path + " 401", new Case("POST", path, one, null, none));
            cases.put("POST " + path + " 403", new Case("POST", path, one, READ_ONLY, none));
            cases.put("POST " + path + " 413", new Case("POST", path, batch ? "[" + (job + ",").repeat(6) + job + "]" : tooBig, TOKEN, none));
            cases.put("POST " + path + " 422", new Case("POST", path, batch ? "[]" : "{\"payload\":{}}", TOKEN, none));
            cases.put("POST " + path + " 503", new Case("POST", path, one, TOKEN, kafkaDown));
        }
        String batch = "{\"jobs\":[" + job + "],\"then\":" + job + "}";
        cases.put("POST /batches 202", new Case("POST", "/batches", batch, TOKEN, none));
        cases.put("POST /batches 400", new Case("POST", "/batches", "{not json", TOKEN, none));
        cases.put("POST /batches 401", new Case("POST", "/batches", batch, null, none));
        cases.put("POST /batches 403", new Case("POST", "/batches", batch, READ_ONLY, none));
        cases.put("POST /batches 413", new Case("POST", "/batches", "{\"jobs\":[" + tooBig + "],\"then\":" + job + "}", TOKEN, none));
        cases.put("POST /batches 422", new Case("POST", "/batches", "{\"jobs\":[],\"then\":" + job + "}", TOKEN, none));
        cases.put("POST /batches 503", new Case("POST", "/batches", batch, TOKEN, kafkaDown));
        cases.put("GET /jobs/{id} 200", new Case("GET", "/jobs/" + stored, null, TOKEN, saveJob));
        cases.put("GET /jobs/{id} 401", new Case("GET", "/jobs/" + stored, null, null, none));
        cases.put("GET /jobs/{id} 403", new Case("GET", "/jobs/" + stored, null, SUBMIT_ONLY, none));
        cases.put("GET /jobs/{id} 404", new Case("GET", "/jobs/" + UUID.randomUUID(), null, TOKEN, none));
        cases.put("GET /jobs/{id} 503", new Case("GET", "/jobs/" + UUID.randomUUID(), null, TOKEN, storage::failReads));
        cases.put("GET /health 200", new Case("GET", "/health", null, null, none));
        cases.put("GET /health/live 200", new Case("GET", "/health/live", null, null, none));
        cases.put("GET /health/ready 200", new Case("GET", "/health/ready", null, null, none));
        cases.put("GET /health/ready 503", new Case("GET", "/health/ready", null, null, () -> kafkaUp = false));
        cases.put("GET /metrics 200", new Case("GET", "/metrics", null, null, none));
        cases.put("GET /openapi.json 200", new Case("GET", "/openapi.json", null, null, none));
        cases.put("GET /docs 200", new Case("GET", "/docs", null, null, none));
        cases.put("GET /docs/{file} 200", new Case("GET", "/docs/swagger-ui-bundle.js", null, null, none));
        cases.put("GET /docs/{file} 404", new Case("GET", "/docs/no-such-file.js", null, null, none));
        return cases;
    }

    /** The routes the API serves only on a ledger and Kafka: held to the document by {@code OpenApiLedgerRoutesIT}. */
    private static Set<String> ledgerRoutes() {
        Set<String> routes = new java.util.HashSet<>(Set.of(JobControl.ROUTES.split(", ")));
        routes.addAll(Set.of(EventsEndpoint.ROUTES.split(", ")));
        return routes;
    }

    private static void assertValid(JsonNode document, JsonNode schema, String body, String what) {
        ObjectNode root = JobSubmissionJson.MAPPER.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("components", document.path("components"));
        root.setAll((ObjectNode) schema.deepCopy());
        var errors = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(root.toString(), InputFormat.JSON).validate(body, InputFormat.JSON);
        assertThat(errors).as("%s: body %s against %s", what, body, schema).isEmpty();
    }

    private HttpResponse<String> send(Case c) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + c.path()))
                .method(c.method(), c.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(c.body()));
        if (c.token() != null) {
            request.header("Authorization", "Bearer " + c.token());
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static SwaggerParseResult parse() {
        return new OpenAPIV3Parser().readContents(new String(ApiDocs.document(), StandardCharsets.UTF_8), null, null);
    }
}
