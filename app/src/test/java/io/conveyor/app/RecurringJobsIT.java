package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.ConveyorExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Recurring jobs on the real stack (Kafka, PostgreSQL, three worker JVMs with JobRunr's default 5 s poll, whose master
 * would make recurring jobs of its own if it saw them): each fire time makes exactly one job, whichever worker wins;
 * the routes and the CLI answer as documented.
 */
class RecurringJobsIT {

    private static final Duration ENDS = Duration.ofSeconds(90);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @RegisterExtension
    static final ConveyorExtension conveyor = ConveyorExtension.named("recurring")
            .withFleet(3, Map.of()).awaitingFleet();

    private record Fired(String id, Instant fireTime, Instant enqueuedAt, Instant startedAt, String state) {
    }

    @Test
    void aRecurringJobEveryFiveSecondsMakesOneJobPerFireTimeAcrossThreeWorkers() throws Exception {
        String name = "every-five";
        HttpResponse<String> put = send("PUT", "/recurring/" + name,
                "{\"cron\":\"*/5 * * * * *\",\"zone\":\"Europe/Paris\",\"job\":{\"type\":\"noop\",\"labels\":[\"recurring\"]}}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        Instant from = Instant.now();
        JsonNode created = ConveyorClient.json(put);
        assertThat(created.path("nextRuns")).hasSize(5);
        assertThat(created.path("zone").asText()).isEqualTo("Europe/Paris");

        JsonNode one = ConveyorClient.json(send("GET", "/recurring/" + name, null));
        assertThat(one.path("cron").asText()).isEqualTo("*/5 * * * * *");
        assertThat(Instant.parse(one.path("nextRuns").path(0).asText())).isAfter(from.minusSeconds(1));
        assertThat(send("GET", "/recurring", null).body()).contains("\"" + name + "\"");
        assertThat(conveyor.client().getDashboard("/api/recurring-jobs").body()).as("on the dashboard's Recurring jobs page").contains(name);

        // A second recurring job on the same schedule, created after it: it tells when a fire time after the delete has
        // passed, so that a job the deleted one made then would show.
        assertThat(send("PUT", "/recurring/witness", "{\"cron\":\"*/5 * * * * *\",\"job\":{\"type\":\"noop\"}}").statusCode()).isEqualTo(200);

        await().atMost(ENDS).until(() -> fired(name).size() >= 4);
        HttpResponse<String> deleted = send("DELETE", "/recurring/" + name, null);
        Instant until = Instant.now();
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);
        assertThat(send("GET", "/recurring/" + name, null).statusCode()).isEqualTo(404);
        assertThat(send("DELETE", "/recurring/" + name, null).statusCode()).isEqualTo(404);

        await().atMost(ENDS).untilAsserted(() -> assertThat(fired(name)).allMatch(job -> job.state().equals("SUCCEEDED")));
        await().atMost(ENDS).until(() -> fired("witness").stream().anyMatch(job -> !job.fireTime().isBefore(until.plusSeconds(10))));
        assertThat(send("DELETE", "/recurring/witness", null).statusCode()).isEqualTo(200);
        List<Fired> jobs = fired(name);
        long fireTimes = fireTimesBetween(from, until);
        System.out.printf("recurring every 5 s for %d ms (%d fire times) on 3 workers: %d jobs; after the fire time, ENQUEUED (ms): %s, PROCESSING (ms): %s%n",
                Duration.between(from, until).toMillis(), fireTimes, jobs.size(),
                jobs.stream().map(job -> Duration.between(job.fireTime(), job.enqueuedAt()).toMillis()).sorted().toList(),
                jobs.stream().map(job -> Duration.between(job.fireTime(), job.startedAt()).toMillis()).sorted().toList());
        assertThat(jobs.size()).as("one job per fire time from %s to %s (the first and the last may fall either side)", from, until)
                .isBetween((int) fireTimes - 1, (int) fireTimes + 1);
        assertThat(new HashSet<>(jobs.stream().map(Fired::fireTime).toList())).as("no fire time twice").hasSameSizeAs(jobs);
        assertThat(jobs).allMatch(job -> job.fireTime().getEpochSecond() % 5 == 0 && job.fireTime().getNano() == 0, "on the schedule");
        assertThat(jobs).allMatch(job -> !job.fireTime().isAfter(until), "none after the delete");
    }

    /**
     * The dashboard's Trigger button runs the recurring job's submission once per click, as a job of that recurring
     * job; JobRunr alone would save an ENQUEUED job of the recurring job's class-less details, which never runs.
     */
    @Test
    void theDashboardsTriggerButtonRunsTheRecurringJobOncePerClick() throws Exception {
        String name = "by-hand";
        HttpResponse<String> put = send("PUT", "/recurring/" + name,
                "{\"cron\":\"0 0 1 1 *\",\"job\":{\"type\":\"noop\",\"labels\":[\"by-hand\"]}}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

        List<Instant> clickedAt = new ArrayList<>();
        for (int click = 1; click <= 2; click++) {
            clickedAt.add(Instant.now());
            HttpResponse<String> trigger = conveyor.client().postDashboard("/api/recurring-jobs/" + name + "/trigger");
            assertThat(trigger.statusCode()).as(trigger.body()).isEqualTo(204);
            int clicks = click;
            await().atMost(ENDS).untilAsserted(() -> assertThat(runsOf(name)).as("one job per click, each to succeed")
                    .hasSize(clicks).allSatisfy((id, state) -> assertThat(state).isEqualTo("SUCCEEDED")));
        }
        assertThat(conveyor.ledger().countJobs("jobsignature like 'conveyor.RecurringSubmission%'"))
                .as("no job of the recurring job's own details").isZero();
        List<Long> clickToSucceeded = new ArrayList<>();
        for (String id : runsOf(name).keySet()) {
            JsonNode view = conveyor.client().job(java.util.UUID.fromString(id));
            JsonNode last = view.path("history").path(view.path("history").size() - 1);
            Instant clicked = clickedAt.get(clickToSucceeded.size()); // ids are time-ordered, as the clicks
            clickToSucceeded.add(Duration.between(clicked, Instant.parse(last.path("at").asText())).toMillis());
            assertThat(view.path("type").asText()).isEqualTo("noop");
            assertThat(view.path("labels").toString()).isEqualTo("[\"by-hand\"]");
            assertThat(view.path("history").path(0).path("message").asText()).as(view.toString())
                    .isEqualTo("triggered on the dashboard: recurring job '" + name + "'");
        }
        System.out.printf("[benchmark] dashboard trigger: from the click to SUCCEEDED (ms): %s%n", clickToSucceeded);
        assertThat(ConveyorClient.json(send("GET", "/jobs?label=by-hand", null)).path("jobs")).hasSize(2);
        assertThat(send("GET", "/recurring/" + name, null).body()).as("the recurring job stays").contains("0 0 1 1 *");
        assertThat(send("DELETE", "/recurring/" + name, null).statusCode()).isEqualTo(200);
    }

    @Test
    void aBadCronZoneOrIntervalIsRefusedNamingIt() throws Exception {
        assertRefused("{\"cron\":\"not a cron\",\"job\":{\"type\":\"noop\"}}", "cron", "not a cron");
        assertRefused("{\"cron\":\"*/2 * * * * *\",\"job\":{\"type\":\"noop\"}}", "cron", "5 s");
        assertRefused("{\"cron\":\"0 9 * * *\",\"zone\":\"Mars/Olympus\",\"job\":{\"type\":\"noop\"}}", "zone", "Mars/Olympus");
        assertRefused("{\"cron\":\"0 9 * * *\",\"job\":{\"type\":\"noop\",\"delayMillis\":5}}", "job.delayMillis", "delayMillis");
        assertRefused("{\"cron\":\"0 9 * * *\"}", "job", "job");
        assertThat(send("GET", "/recurring/never-put", null).statusCode()).isEqualTo(404);
    }

    @Test
    void theCliPutsListsAndDeletesWithItsExitCodes() {
        String api = "--api=" + conveyor.client().apiBase();
        JobControlIT.Cli put = JobControlIT.cli("recurring", "put", "nightly", "noop", "--cron", "0 3 * * *", "--zone", "Europe/Paris", api);
        assertThat(put.exit()).as(put.err()).isZero();
        assertThat(put.out()).contains("nightly", "0 3 * * *", "Europe/Paris");
        JobControlIT.Cli replaced = JobControlIT.cli("recurring", "put", "nightly", "noop", "--cron", "30 4 * * *", "--zone", "Europe/Paris", api);
        assertThat(replaced.exit()).as(replaced.err()).isZero();
        JobControlIT.Cli list = JobControlIT.cli("recurring", "list", api);
        assertThat(list.exit()).isZero();
        assertThat(list.out()).contains("nightly", "30 4 * * *").doesNotContain("0 3 * * *");
        JobControlIT.Cli badCron = JobControlIT.cli("recurring", "put", "nightly", "noop", "--cron", "61 * * * *", api);
        assertThat(badCron.exit()).as("a 422").isEqualTo(2);
        assertThat(badCron.err()).contains("cron").doesNotContain("Exception:");
        assertThat(JobControlIT.cli("recurring", "put", "nightly", "noop", api).exit()).as("no --cron").isEqualTo(2);
        assertThat(JobControlIT.cli("recurring", "delete", "nightly", api).exit()).isZero();
        JobControlIT.Cli gone = JobControlIT.cli("recurring", "delete", "nightly", api);
        assertThat(gone.exit()).as("no such recurring job").isEqualTo(1);
        assertThat(gone.err()).contains("no recurring job is named 'nightly'");
        assertThat(JobControlIT.cli("recurring", "list", "--api=http://127.0.0.1:1").exit()).isEqualTo(3);
    }

    private static void assertRefused(String body, String field, String detailContains) throws Exception {
        HttpResponse<String> response = send("PUT", "/recurring/refused", body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        JsonNode problem = ConveyorClient.json(response);
        assertThat(problem.path("field").asText()).as(response.body()).isEqualTo(field);
        assertThat(problem.path("detail").asText()).contains(detailContains);
    }

    /** The jobs the recurring job made, from the ledger: fire time (their first state's scheduledAt), when ENQUEUED and started. */
    private static List<Fired> fired(String name) throws Exception {
        List<Fired> jobs = new ArrayList<>();
        try (Connection connection = conveyor.ledger().connect();
             PreparedStatement select = connection.prepareStatement("select id, jobasjson::jsonb #>> '{jobHistory,0,scheduledAt}',"
                     + " jobasjson::jsonb #>> '{jobHistory,1,createdAt}', coalesce(jobasjson::jsonb #>> '{jobHistory,2,createdAt}',"
                     + " jobasjson::jsonb #>> '{jobHistory,1,createdAt}'), state from jobrunr_jobs where recurringjobid = ?")) {
            select.setString(1, name);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    jobs.add(new Fired(rows.getString(1), Instant.parse(rows.getString(2)), Instant.parse(rows.getString(3)),
                            Instant.parse(rows.getString(4)), rows.getString(5)));
                }
            }
        }
        return jobs;
    }

    /** How many fire times of a cron every 5 s fall in {@code (from, until]}. */
    private static long fireTimesBetween(Instant from, Instant until) {
        return Math.floorDiv(until.getEpochSecond(), 5) - Math.floorDiv(from.getEpochSecond(), 5);
    }

    /** The ledger's jobs of the recurring job, by id: their states. */
    private static Map<String, String> runsOf(String name) throws Exception {
        Map<String, String> states = new java.util.TreeMap<>();
        try (Connection connection = conveyor.ledger().connect();
             PreparedStatement select = connection.prepareStatement("select id, state from jobrunr_jobs where recurringjobid = ?")) {
            select.setString(1, name);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    states.put(rows.getString(1), rows.getString(2));
                }
            }
        }
        return states;
    }

    private static HttpResponse<String> send(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(conveyor.client().apiBase() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
