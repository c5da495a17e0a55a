package io.conveyor.app;

import io.conveyor.api.ApiSettings;
import io.conveyor.app.testing.ApiJvm;
import io.conveyor.app.testing.BrokerJvm;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.app.testing.TestDatabase;
import io.conveyor.app.testing.TestServices;
import io.conveyor.app.testing.WorkerFleet;
import io.conveyor.app.testing.handlers.CountedRunsHandler;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.KafkaTopics;
import io.conveyor.common.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Nothing accepted is lost, nothing succeeds twice, whatever breaks: 2,000 short jobs of mixed types, submitted by
 * several clients through two API JVMs to three supervised worker JVMs, while a fault schedule breaks every part in
 * turn. A worker is killed with -9 every 2 s (its supervisor starts it again; never the only one registered, so that
 * one worker always runs and rescues the others' jobs); every connection of Conveyor's to the ledger database is terminated
 * ({@code pg_terminate_backend}) twice; the Kafka broker, in a JVM of its own on its own data directory, is killed
 * with -9 and started again on the same directory and port; one API JVM is killed with -9 and started again.
 *
 * <p>Each submission carries a label of its own, so the ledger says whether it became a job whatever its answer was.
 * Once the workers have taken every record from Kafka and every job has ended: every job accepted with a 202 is
 * SUCCEEDED; no job succeeded twice (its ledger history); every submission answered 503, or whose connection broke,
 * became at most one job (a 503 is "unknown", not "no"); and no job appeared that nobody submitted. Runs of the
 * {@code counted} type write a row each, so how many jobs really ran more than once (at-least-once) is printed, with
 * the counts and the longest time no submission was accepted.
 */
class ChaosIT {

    private static final String NAME = "chaos";
    private static final int JOBS = 2_000;
    private static final int CLIENTS = 8;
    /** One submission may start per tick: 2,000 take about a minute unless a fault holds them up. */
    private static final Duration PACE = Duration.ofMillis(25);
    /** Submissions let go only once the last fault is over, so that the run goes on past every fault. */
    private static final int AFTER_THE_FAULTS = 200;
    private static final Duration WORKER_KILLS = Duration.ofSeconds(2);
    /** Far past the API's 5 s submit timeout: a request that takes this long hung. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    /** For the workers to drain what is left after the faults, on a busy machine: only catches a hang. */
    private static final Duration SETTLE = Duration.ofMinutes(5);
    private static final List<String> NOT_ENDED = List.of("AWAITING", "SCHEDULED", "ENQUEUED", "PROCESSING");

    private enum Outcome { ACCEPTED, REFUSED_503, BROKEN, HUNG, OTHER }

    private record Submission(int n, int api, Outcome outcome, UUID id, long answeredAt, String detail) {
    }

    private record LedgerJob(UUID id, String label, String state, int succeeded) {
    }

    private final long start = System.nanoTime();
    /** When the killed API was ready again. */
    private volatile long apiBackAt = Long.MAX_VALUE;
    private final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    private final AtomicInteger workerKills = new AtomicInteger();

    @Test
    void everyAcceptedJobSucceedsOnceWhileWorkersTheDatabaseTheBrokerAndAnApiBreak() throws Exception {
        Path logDir = Path.of("target", "it-logs", NAME);
        DatabaseSettings database = TestServices.newDatabase(NAME);
        TestDatabase ledger = new TestDatabase(database);
        ledger.execute("create table " + CountedRunsHandler.TABLE
                + " (job_id uuid not null, attempt int not null, pid bigint not null, at timestamptz not null default now())");
        try (BrokerJvm broker = BrokerJvm.start(logDir)) {
            KafkaSettings kafka = new KafkaSettings(broker.bootstrapServers(), new Topics(NAME + "."));
            KafkaTopics.ensureExist(kafka);
            Map<String, String> apiEnv = new HashMap<>(kafka.asEnvironment());
            apiEnv.putAll(database.asEnvironment());
            apiEnv.put(ApiSettings.ID_SECRET, "chaos-test-secret-0123456789");
            try (WorkerFleet fleet = WorkerFleet.start(NAME, 3, kafka, database, Map.of(), List.of(Path.of(CountedRunsHandler.CLASS_PATH_ENTRY)));
                 ApiJvm first = ApiJvm.start("api-1", logDir, apiEnv);
                 ApiJvm second = ApiJvm.start("api-2", logDir, apiEnv)) {
                List<ConveyorClient> clients = List.of(first.client(REQUEST_TIMEOUT), second.client(REQUEST_TIMEOUT));
                awaitFleet(fleet, clients);
                try {
                    AtomicReferenceArray<Submission> submissions = run(broker, first, fleet, ledger, clients);
                    try {
                        settle(kafka, ledger, submissions);
                    } catch (ConditionTimeoutException e) {
                        // A job lost or stuck: the check names the submissions it concerns and prints the counts.
                        note("not settled within " + SETTLE.toMinutes() + " min: " + e.getMessage());
                    }
                    check(submissions, ledger, fleet);
                } finally {
                    events.forEach(event -> System.out.println("[chaos] " + event));
                }
            }
        }
    }

    /** Submits every job while the faults happen; returns once every submission was answered and the last fault is over. */
    private AtomicReferenceArray<Submission> run(BrokerJvm broker, ApiJvm doomedApi, WorkerFleet fleet, TestDatabase ledger,
                                                 List<ConveyorClient> clients) throws Exception {
        AtomicReferenceArray<Submission> submissions = new AtomicReferenceArray<>(JOBS);
        Semaphore permits = new Semaphore(0);
        AtomicInteger paced = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        ScheduledExecutorService schedule = Executors.newScheduledThreadPool(2);
        ExecutorService submitting = Executors.newFixedThreadPool(CLIENTS);
        try {
            schedule.scheduleAtFixedRate(() -> {
                if (paced.getAndIncrement() < JOBS - AFTER_THE_FAULTS) {
                    permits.release();
                }
            }, 0, PACE.toMillis(), TimeUnit.MILLISECONDS);
            ScheduledFuture<?> kills = schedule.scheduleAtFixedRate(() -> killAWorker(fleet, clients.getLast()),
                    WORKER_KILLS.toMillis(), WORKER_KILLS.toMillis(), TimeUnit.MILLISECONDS);
            CompletableFuture<Void> faults = CompletableFuture
                    .runAsync(() -> terminateConnections(ledger), after(Duration.ofSeconds(5)))
                    .thenRunAsync(() -> {
                        note("broker killed");
                        broker.kill();
                        broker.restart();
                        note("broker ready again");
                    }, after(Duration.ofSeconds(7)))
                    .thenRunAsync(() -> terminateConnections(ledger), after(Duration.ofSeconds(5)))
                    .thenRunAsync(() -> {
                        note(doomedApi.name() + " killed");
                        doomedApi.kill();
                        doomedApi.restart();
                        apiBackAt = System.nanoTime();
                        note(doomedApi.name() + " ready again");
                    }, after(Duration.ofSeconds(5)))
                    .whenComplete((done, failed) -> permits.release(AFTER_THE_FAULTS + CLIENTS));
            List<Future<?>> clientsDone = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clientsDone.add(submitting.submit(() -> {
                    for (permits.acquire(); ; permits.acquire()) {
                        int n = next.getAndIncrement();
                        if (n >= JOBS) {
                            return null;
                        }
                        submissions.set(n, submit(n, clients));
                    }
                }));
            }
            faults.get(5, TimeUnit.MINUTES);
            for (Future<?> client : clientsDone) {
                client.get(5, TimeUnit.MINUTES);
            }
            kills.cancel(false);
            note("submissions answered, " + workerKills.get() + " workers killed");
        } finally {
            schedule.shutdownNow();
            submitting.shutdownNow(); // done, unless the run failed: then no client may wait for a permit forever
        }
        return submissions;
    }

    private static Executor after(Duration delay) {
        return CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The job of submission n: a mix of short types, each labelled with its submission. */
    private static String job(int n) {
        String labels = "\"labels\":[\"chaos-" + n + "\"]";
        return switch (n % 10) {
            case 0, 1 -> "{\"type\":\"noop\"," + labels + "}";
            case 2, 3 -> "{\"type\":\"sleep\",\"payload\":{\"millis\":" + (20 + n % 80) + "}," + labels + "}";
            case 4, 5 -> "{\"type\":\"primes\",\"payload\":{\"from\":0,\"to\":" + (20_000 + n % 7 * 1_000) + "}," + labels + "}";
            case 6, 7, 8 -> "{\"type\":\"" + CountedRunsHandler.TYPE + "\",\"payload\":{\"millis\":" + (10 + n % 40) + "}," + labels + "}";
            default -> "{\"type\":\"fail\",\"payload\":{\"n\":1}," + labels + "}";
        };
    }

    /**
     * Submits job n to one API, or to the other if the first refuses the connection (it is down: the request was not
     * sent), as a client behind a load balancer would; any other answer or break is recorded as it is.
     */
    private Submission submit(int n, List<ConveyorClient> clients) {
        int api = n % clients.size();
        try {
            HttpResponse<String> answer;
            try {
                answer = clients.get(api).post("/jobs", job(n), null);
            } catch (UncheckedIOException e) {
                if (!(e.getCause() instanceof ConnectException)) {
                    throw e;
                }
                api = (api + 1) % clients.size();
                answer = clients.get(api).post("/jobs", job(n), null);
            }
            long at = System.nanoTime();
            return switch (answer.statusCode()) {
                case 202 -> new Submission(n, api, Outcome.ACCEPTED, UUID.fromString(ConveyorClient.json(answer).get("id").asText()), at, "");
                case 503 -> new Submission(n, api, Outcome.REFUSED_503, null, at, "");
                default -> new Submission(n, api, Outcome.OTHER, null, at, answer.statusCode() + " " + answer.body());
            };
        } catch (UncheckedIOException e) {
            Outcome outcome = e.getCause() instanceof HttpTimeoutException ? Outcome.HUNG : Outcome.BROKEN;
            return new Submission(n, api, outcome, null, System.nanoTime(), e.getCause().toString());
        }
    }

    /**
     * Kills one of the fleet's living worker JVMs with -9, but never the only one registered: one worker always runs
     * jobs and rescues the killed ones' (the supervisor's back-off keeps the others down longer and longer).
     */
    private void killAWorker(WorkerFleet fleet, ConveyorClient client) {
        try {
            List<String> registered = registeredWorkers(client);
            List<Long> alive = fleet.supervisor().pids();
            List<Long> working = alive.stream().filter(pid -> registered.stream().anyMatch(name -> name.endsWith("-" + pid))).toList();
            List<Long> candidates = switch (working.size()) {
                case 0 -> List.of();
                case 1 -> alive.stream().filter(pid -> !working.contains(pid)).toList();
                default -> alive;
            };
            if (candidates.isEmpty()) {
                return;
            }
            long pid = candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
            if (ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false)) {
                workerKills.incrementAndGet();
            }
        } catch (RuntimeException e) {
            note("no worker killed this time: " + e); // the ledger may be away; a periodic task that throws runs no more
        }
    }

    private static List<String> registeredWorkers(ConveyorClient client) {
        List<String> names = new ArrayList<>();
        client.servers().forEach(server -> names.add(server.get("name").asText()));
        return names;
    }

    /** Terminates every session of the test's database but the one asking: the APIs' and the workers'. */
    private void terminateConnections(TestDatabase ledger) {
        try {
            String terminated = ledger.query("select count(*) filter (where pg_terminate_backend(pid)) from pg_stat_activity "
                    + "where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()");
            note(terminated + " ledger connections terminated");
            assertThat(Long.parseLong(terminated)).as("ledger connections terminated").isPositive();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private void awaitFleet(WorkerFleet fleet, List<ConveyorClient> clients) {
        await().atMost(ConveyorUnderTest.WORKER_START).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            List<Long> pids = fleet.supervisor().pids();
            assertThat(pids).as("the fleet's worker processes").hasSize(3);
            List<String> registered = registeredWorkers(clients.getFirst());
            assertThat(pids).as("pids of the fleet's workers, registered: %s", registered)
                    .allMatch(pid -> registered.stream().anyMatch(name -> name.endsWith("-" + pid)));
            for (ConveyorClient client : clients) {
                assertThat(client.get("/types").body()).as("types the fleet announced").contains("\"" + CountedRunsHandler.TYPE + "\"");
            }
        });
    }

    /**
     * Waits until nothing can change any more: the workers took every record from the jobs topic into the ledger
     * (the group's committed offsets are at the partitions' ends) and no job in the ledger waits or runs.
     */
    private void settle(KafkaSettings kafka, TestDatabase ledger, AtomicReferenceArray<Submission> submissions) {
        List<UUID> accepted = IntStream.range(0, JOBS).mapToObj(submissions::get)
                .filter(submission -> submission.outcome() == Outcome.ACCEPTED).map(Submission::id).toList();
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            // A question that fails (the broker or the database slow to answer on a busy machine) is asked again.
            await().atMost(SETTLE).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
                assertThat(intakeLag(admin, kafka.topics())).as("job records not yet taken into the ledger").isZero();
                assertThat(ledger.countJobs("state in ('" + String.join("','", NOT_ENDED) + "')")).as("jobs not ended").isZero();
                assertThat(ledger.countJobs("id = any(array['" + accepted.stream().map(UUID::toString).collect(Collectors.joining("','")) + "'])"))
                        .as("accepted jobs in the ledger").isEqualTo(accepted.size());
            });
        }
        note("settled");
    }

    private static long intakeLag(Admin admin, Topics topics) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(topics.workerGroup())
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> ends = IntStream.range(0, Topics.JOBS_PARTITIONS).boxed()
                .collect(Collectors.toMap(p -> new TopicPartition(topics.jobs(), p), p -> OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end = admin.listOffsets(ends).all().get(10, TimeUnit.SECONDS);
        long lag = 0;
        for (var partition : end.entrySet()) {
            OffsetAndMetadata done = committed.get(partition.getKey());
            lag += partition.getValue().offset() - (done == null ? 0 : done.offset());
        }
        return lag;
    }

    private void check(AtomicReferenceArray<Submission> submissions, TestDatabase ledger, WorkerFleet fleet) throws SQLException {
        Map<String, List<LedgerJob>> byLabel = ledgerJobs(ledger).stream().collect(Collectors.groupingBy(LedgerJob::label));
        Map<Outcome, Long> outcomes = IntStream.range(0, JOBS).mapToObj(submissions::get)
                .collect(Collectors.groupingBy(Submission::outcome, Collectors.counting()));
        long unknownPresent = 0;
        List<String> wrong = new ArrayList<>();
        List<Long> acceptedAt = new ArrayList<>();
        for (int n = 0; n < JOBS; n++) {
            Submission submission = submissions.get(n);
            List<LedgerJob> jobs = byLabel.getOrDefault("chaos-" + n, List.of());
            switch (submission.outcome()) {
                case ACCEPTED -> {
                    acceptedAt.add(submission.answeredAt());
                    if (jobs.size() != 1 || !jobs.getFirst().id().equals(submission.id()) || !jobs.getFirst().state().equals("SUCCEEDED")) {
                        wrong.add("accepted " + submission + " is in the ledger as " + jobs);
                    }
                }
                case REFUSED_503, BROKEN -> {
                    if (jobs.size() > 1 || jobs.stream().anyMatch(job -> !job.state().equals("SUCCEEDED"))) {
                        wrong.add("unknown " + submission + " is in the ledger as " + jobs);
                    }
                    unknownPresent += jobs.size();
                }
                default -> wrong.add("unexpected answer: " + submission);
            }
        }
        long succeeded = byLabel.values().stream().flatMap(List::stream).filter(job -> job.state().equals("SUCCEEDED")).count();
        List<LedgerJob> notOnce = byLabel.values().stream().flatMap(List::stream).filter(job -> job.succeeded() != 1).toList();
        long ranTwice = Long.parseLong(ledger.query("select count(*) from (select job_id from " + CountedRunsHandler.TABLE
                + " group by job_id having count(*) > 1) twice"));
        long countedWithoutRun = ledger.countJobs("state = 'SUCCEEDED' and jobAsJson::jsonb ->> 'jobName' = '" + CountedRunsHandler.TYPE + "' and id::uuid not in (select job_id from "
                + CountedRunsHandler.TABLE + ")");

        System.out.printf("[chaos] accepted=%d succeeded=%d ranTwice=%d 503=%d unknownPresent=%d longestPause=%.1fs%n",
                outcomes.getOrDefault(Outcome.ACCEPTED, 0L), succeeded, ranTwice, outcomes.getOrDefault(Outcome.REFUSED_503, 0L),
                unknownPresent, longestPause(acceptedAt) / 1e9);
        System.out.printf("[chaos] %d submissions: %s; %d workers killed, %d restarts by the supervisor; %d s in all%n", JOBS, outcomes,
                workerKills.get(), fleet.supervisor().restarts(), (System.nanoTime() - start) / 1_000_000_000);

        assertThat(workerKills.get()).as("workers killed").isGreaterThanOrEqualTo(5);
        assertThat(wrong.size()).as("submissions whose job the ledger does not hold as it should, first ones: %s",
                wrong.subList(0, Math.min(20, wrong.size()))).isZero();
        assertThat(outcomes.getOrDefault(Outcome.HUNG, 0L)).as("requests that hung").isZero();
        assertThat(byLabel.keySet()).as("jobs nobody submitted").allMatch(label -> label.matches("chaos-\\d+"));
        assertThat(notOnce.size()).as("jobs whose history does not hold exactly one SUCCEEDED, first ones: %s",
                notOnce.subList(0, Math.min(20, notOnce.size()))).isZero();
        assertThat(countedWithoutRun).as("counted jobs that succeeded without a run on record").isZero();
        assertThat(IntStream.range(0, JOBS).mapToObj(submissions::get)
                .filter(submission -> submission.api() == 0 && submission.outcome() == Outcome.ACCEPTED)
                .mapToLong(Submission::answeredAt).max().orElseThrow())
                .as("the restarted API accepted jobs again").isGreaterThan(apiBackAt);
    }

    private static long longestPause(List<Long> acceptedAt) {
        List<Long> sorted = acceptedAt.stream().sorted().toList();
        long longest = 0;
        for (int i = 1; i < sorted.size(); i++) {
            longest = Math.max(longest, sorted.get(i) - sorted.get(i - 1));
        }
        return longest;
    }

    private static List<LedgerJob> ledgerJobs(TestDatabase ledger) throws SQLException {
        List<LedgerJob> jobs = new ArrayList<>();
        try (Connection connection = ledger.connect();
             Statement select = connection.createStatement();
             ResultSet rows = select.executeQuery("select id, state, jobAsJson::jsonb -> 'labels' ->> 0, "
                     + "(select count(*) from jsonb_array_elements(jobAsJson::jsonb -> 'jobHistory') entry where entry ->> 'state' = 'SUCCEEDED') "
                     + "from jobrunr_jobs")) {
            while (rows.next()) {
                jobs.add(new LedgerJob(UUID.fromString(rows.getString(1)), String.valueOf(rows.getString(3)), rows.getString(2), rows.getInt(4)));
            }
        }
        return jobs;
    }

    private void note(String event) {
        events.add(String.format("%6.1f s %s", (System.nanoTime() - start) / 1e9, event));
    }
}
