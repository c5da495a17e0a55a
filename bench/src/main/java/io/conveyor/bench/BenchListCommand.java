package io.conveyor.bench;

import io.conveyor.api.ApiApplication;
import io.conveyor.api.ApiSettings;
import io.conveyor.app.EmbeddedKafka;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Env;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.Ledger;
import io.conveyor.common.Topics;
import io.conveyor.handler.JobKind;
import io.conveyor.worker.intake.LedgerWriter;
import io.conveyor.worker.ledger.LedgerSchema;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;

/**
 * {@code bench-list}: how long {@code GET /jobs} takes for a page on a large ledger, through the real API on
 * PostgreSQL: a page of 50 with no filter and with each one filter (state, type, label), the first page and pages
 * further down by cursor. The ledger is filled in SQL from one job that JobRunr wrote (each copy with its own id,
 * time, state, type and label), since submitting a million jobs through Kafka would measure intake, not the list.
 */
@Command(name = "bench-list", mixinStandardHelpOptions = true,
        description = {"GET /jobs latency on a ledger of many jobs (default 1,000,000): p50/p95 per filter.",
                "Uses the PostgreSQL server of CONVEYOR_DB_URL (default 127.0.0.1:5432), creating and dropping a database."})
final class BenchListCommand implements Callable<Integer> {

    static final int JOBS_DEFAULT = 1_000_000;
    static final int REQUESTS_DEFAULT = 200;
    static final int PAGE = 50;
    private static final int WARM_UP = 20;
    /** Types, labels and states of the copies, spread so that each filter matches many old and new jobs. */
    private static final int TYPES = 10;
    private static final int LABELS = 100;

    @Spec
    private CommandSpec spec;

    @Option(names = "--jobs", paramLabel = "N", description = "jobs in the ledger (default 1,000,000)")
    private int jobs = JOBS_DEFAULT;

    @Option(names = "--requests", paramLabel = "N", description = "pages asked per case (default " + REQUESTS_DEFAULT + ")")
    private int requests = REQUESTS_DEFAULT;

    @Option(names = "--case-seconds", paramLabel = "S", description = "stop a case after this long, once it asked 10 pages (default 60): a slow filter still reports")
    private int caseSeconds = 60;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("conveyor-bench-list");
        try (BenchDatabases databases = new BenchDatabases(DatabaseSettings.from(Env.system()));
             EmbeddedKafka kafka = EmbeddedKafka.start(dir.resolve("kafka"))) {
            DatabaseSettings database = databases.create("conveyor_bench_list");
            long fillStarted = System.nanoTime();
            fill(database, jobs);
            out.printf("[benchmark] list: filled a ledger of %,d jobs in %d s%n", jobs, Duration.ofNanos(System.nanoTime() - fillStarted).toSeconds());
            out.flush();
            try (ApiApplication api = ApiApplication.start(new ApiSettings(0, 0, ApiSettings.MAX_BODY_BYTES_DEFAULT, ApiSettings.BATCH_LIMIT_DEFAULT,
                    Duration.ofSeconds(5), "bench-list-secret-0123456789"), new KafkaSettings(kafka.bootstrapServers(), new Topics(Topics.PREFIX_DEFAULT)), database)) {
                analyze(database); // the API built its indexes at start; the planner needs their statistics
                Map<String, String> cases = new LinkedHashMap<>();
                cases.put("no filter", "");
                cases.put("state=FAILED", "state=FAILED");
                cases.put("state=SUCCEEDED", "state=SUCCEEDED");
                cases.put("type=type-3", "type=type-3");
                cases.put("label=tenant-42", "label=tenant-42");
                HttpClient http = HttpClient.newHttpClient();
                for (int i = 0; i < WARM_UP; i++) { // the API's first requests load classes and open connections
                    http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/jobs?limit=" + PAGE)).build(),
                            HttpResponse.BodyHandlers.discarding());
                }
                for (Map.Entry<String, String> c : cases.entrySet()) {
                    List<Double> first = new ArrayList<>();
                    List<Double> deeper = new ArrayList<>();
                    String cursor = null;
                    long caseStarted = System.nanoTime();
                    int asked = 0;
                    for (int i = 0; i < requests && (i < 10 || System.nanoTime() - caseStarted < caseSeconds * 1_000_000_000L); i++) {
                        asked++;
                        // Every other request continues from the page before, so pages far down the ledger are asked too.
                        String query = "/jobs?limit=" + PAGE + (c.getValue().isEmpty() ? "" : "&" + c.getValue())
                                + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.US_ASCII));
                        long started = System.nanoTime();
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + query)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        double millis = (System.nanoTime() - started) / 1e6;
                        if (response.statusCode() != 200) {
                            throw new IllegalStateException(query + " answered " + response.statusCode() + ": " + response.body());
                        }
                        (cursor == null ? first : deeper).add(millis);
                        var next = io.conveyor.common.JobSubmissionJson.MAPPER.readTree(response.body()).get("next");
                        cursor = i % 20 == 19 || next.isNull() ? null : next.asText();
                    }
                    out.printf("[benchmark] list %s, page of %d on %,d jobs, %d pages: first page p50 %.1f ms p95 %.1f ms; next pages p50 %.1f ms p95 %.1f ms%n",
                            c.getKey(), PAGE, jobs, asked, Stats.percentile(first, 50), Stats.percentile(first, 95),
                            Stats.percentile(deeper, 50), Stats.percentile(deeper, 95));
                    out.flush();
                }
            }
        }
        return 0;
    }

    /**
     * JobRunr's tables (the ledger as every role opens it), one job written by Conveyor's own intake code, and
     * {@code count - 1} copies of it in one statement: newest last, every 10th FAILED, every 20th ENQUEUED, the rest
     * SUCCEEDED (the row's state; its JSON keeps the template's history, which the list does not read).
     */
    private static void fill(DatabaseSettings database, int count) throws Exception {
        try (Ledger ledger = Ledger.open(database, "conveyor-bench-list", 2)) {
            // Conveyor's columns and their trigger, as a worker adds them, so that the copies get their label columns.
            LedgerSchema.prepare(ledger.dataSource());
            UUID templateId = UUID.randomUUID();
            ledger.storageProvider().save(LedgerWriter.toJob(new JobSubmission(templateId, "type-0", null, 1, List.of("tenant-0"),
                    Instant.now()), JobKind.COMPUTE));
            try (Connection connection = ledger.dataSource().getConnection();
                 PreparedStatement copy = connection.prepareStatement("""
                         insert into jobrunr_jobs (id, version, jobasjson, jobsignature, state, createdat, updatedat, scheduledat, recurringjobid)
                         select g.nid, t.version,
                                replace(replace(replace(t.jobasjson, ?, g.nid), '"type-0"', '"type-' || (g.i % ?) || '"'),
                                        '"tenant-0"', '"tenant-' || (g.i % ?) || '"'),
                                t.jobsignature,
                                case when g.i % 10 = 0 then 'FAILED' when g.i % 20 = 1 then 'ENQUEUED' else 'SUCCEEDED' end,
                                t.createdat - make_interval(secs => (? - g.i) / 1000.0), t.updatedat, null, null
                         from jobrunr_jobs t, (select i, gen_random_uuid()::text as nid from generate_series(1, ?) i) g
                         where t.id = ?""");
                 Statement statement = connection.createStatement()) {
                copy.setString(1, templateId.toString());
                copy.setInt(2, TYPES);
                copy.setInt(3, LABELS);
                copy.setInt(4, count);
                copy.setInt(5, count - 1);
                copy.setString(6, templateId.toString());
                copy.executeUpdate();
                statement.execute("vacuum analyze jobrunr_jobs");
            }
        }
    }

    private static void analyze(DatabaseSettings database) throws Exception {
        try (Connection connection = java.sql.DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
             Statement statement = connection.createStatement()) {
            statement.execute("analyze jobrunr_jobs");
        }
    }
}
