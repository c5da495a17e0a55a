package io.conveyor.app;

import io.conveyor.api.ApiSettings;
import io.conveyor.app.testing.ApiJvm;
import io.conveyor.app.testing.BrokerCluster;
import io.conveyor.app.testing.BrokerJvm;
import io.conveyor.app.testing.ConveyorClient;
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
import java.time.Instant;
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
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;
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
 *
 * <p>A second run puts the broker as deployments run it: three broker JVMs, Conveyor's topics replicated three times
 * with two in sync, and kills one of them with -9 (the leader of their controllers' quorum, the costliest) while 1,200
 * jobs flow through one API to three workers: the same checks hold, and it prints the longest pause of submissions
 * (no 202) and of intake (no job written to the ledger).
 */
class ChaosIT {

    private static final String NAME = "chaos";
    private static final String HA_NAME = "chaos-ha";
    private static final int JOBS = 2_000;
    /** Fewer than the first run's: this run has one fault, and the suite's time is shared. */
    private static final int HA_JOBS = 1_200;
    private static final int BROKERS = 3;
    /** Into the paced submissions: jobs flow before, during and after the broker's death. */
    private static final Duration HA_KILL_AFTER = Duration.ofSeconds(10);
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
    private final Instant startedAt = Instant.now();
    /** When the killed API was ready again. */
    private volatile long apiBackAt = Long.MAX_VALUE;
    /** When the broker was killed, on the wall clock: intake times are the workers' wall clock, on this machine. */
    private volatile Instant brokerKilledAt = Instant.MAX;
    private final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();
    private final AtomicInteger workerKills = new AtomicInteger();

    @Test
    void everyAcceptedJobSucceedsOnceWhileWorkersTheDatabaseTheBrokerAndAnApiBreak() throws Exception {
        Path logDir = Path.of("target", "it-logs", NAME);
        DatabaseSettings database = TestServices.newDatabase(NAME);
        TestDatabase ledger = ledgerCountingRuns(database);
        try (BrokerJvm broker = BrokerJvm.start(logDir)) {
            KafkaSettings kafka = new KafkaSettings(broker.bootstrapServers(), new Topics(NAME + "."));
            KafkaTopics.ensureExist(kafka);
            try (WorkerFleet fleet = WorkerFleet.start(NAME, 3, kafka, database, Map.of(), List.of(Path.of(CountedRunsHandler.CLASS_PATH_ENTRY)));
                 ApiJvm first = ApiJvm.start("api-1", logDir, apiEnvironment(kafka, database));
                 ApiJvm second = ApiJvm.start("api-2", logDir, apiEnvironment(kafka, database))) {
                List<ConveyorClient> clients = List.of(first.client(REQUEST_TIMEOUT), second.client(REQUEST_TIMEOUT));
                awaitFleet(fleet, clients);
                ScheduledExecutorService killing = Executors.newSingleThreadScheduledExecutor();
                try {
                    killing.scheduleAtFixedRate(() -> killAWorker(fleet, clients.getLast()),
                            WORKER_KILLS.toMillis(), WORKER_KILLS.toMillis(), TimeUnit.MILLISECONDS);
                    AtomicReferenceArray<Submission> submissions = submitWhile(JOBS, clients, () -> faults(broker, first, ledger));
                    killing.shutdownNow();
                    note("submissions answered, " + workerKills.get() + " workers killed");
                    settleAndCheck(kafka, ledger, submissions, fleet);

                    assertThat(workerKills.get()).as("workers killed").isGreaterThanOrEqualTo(5);
                    assertThat(IntStream.range(0, JOBS).mapToObj(submissions::get)
                            .filter(submission -> submission.api() == 0 && submission.outcome() == Outcome.ACCEPTED)
                            .mapToLong(Submission::answeredAt).max().orElseThrow())
                            .as("the restarted API accepted jobs again").isGreaterThan(apiBackAt);
                } finally {
                    killing.shutdownNow();
                    events.forEach(event -> System.out.println("[chaos] " + event));
                }
            }
        }
    }

    @Test
    void everyAcceptedJobSucceedsOnceWhileOneOfThreeReplicatedBrokersIsKilled() throws Exception {
        Path logDir = Path.of("target", "it-logs", HA_NAME);
        DatabaseSettings database = TestServices.newDatabase(HA_NAME);
        TestDatabase ledger = ledgerCountingRuns(database);
        try (BrokerCluster brokers = BrokerCluster.start(logDir, BROKERS)) {
            KafkaSettings kafka = new KafkaSettings(brokers.bootstrapServers(), new Topics(HA_NAME + "."));
            KafkaTopics.ensureExist(kafka);
            assertThat(replicasOfTheJobsTopic(kafka)).as("replicas of the jobs topic's partitions").containsOnly(BROKERS);
            try (WorkerFleet fleet = WorkerFleet.start(HA_NAME, 3, kafka, database, Map.of(), List.of(Path.of(CountedRunsHandler.CLASS_PATH_ENTRY)));
                 ApiJvm api = ApiJvm.start("api", logDir, apiEnvironment(kafka, database))) {
                List<ConveyorClient> clients = List.of(api.client(REQUEST_TIMEOUT));
                awaitFleet(fleet, clients);
                try {
                    AtomicReferenceArray<Submission> submissions = submitWhile(HA_JOBS, clients, () -> CompletableFuture.runAsync(() -> {
                        int leader = brokers.quorumLeader();
                        note("broker " + leader + " (the quorum's leader) killed");
                        brokerKilledAt = Instant.now();
                        brokers.broker(leader).kill();
                        brokers.awaitFenced(leader);
                        note("broker " + leader + " fenced, broker " + brokers.quorumLeader() + " leads the quorum");
                    }, after(HA_KILL_AFTER)));
                    note("submissions answered");
                    settleAndCheck(kafka, ledger, submissions, fleet);

                    List<Instant> intake = intakeTimes(ledger);
                    Pause intakePause = Pause.longest(intake);
                    System.out.printf("[chaos] one of %d brokers killed: longest pause of submissions %s, of intake %s%n", BROKERS,
                            Pause.longest(acceptedTimes(submissions)).around(brokerKilledAt), intakePause.around(brokerKilledAt));
                    assertThat(intake.getLast()).as("jobs written to the ledger after the broker's death").isAfter(brokerKilledAt);
                } finally {
                    events.forEach(event -> System.out.println("[chaos] " + event));
                }
            }
        }
    }

    private static TestDatabase ledgerCountingRuns(DatabaseSettings database) throws SQLException {
        TestDatabase ledger = new TestDatabase(database);
        ledger.execute("create table " + CountedRunsHandler.TABLE
                + " (job_id uuid not null, attempt int not null, pid bigint not null, at timestamptz not null default now())");
        return ledger;
    }

    private static Map<String, String> apiEnvironment(KafkaSettings kafka, DatabaseSettings database) {
        Map<String, String> env = new HashMap<>(kafka.asEnvironment());
        env.putAll(database.asEnvironment());
        env.put(ApiSettings.ID_SECRET, "chaos-test-secret-0123456789");
        return env;
    }

    private static List<Integer> replicasOfTheJobsTopic(KafkaSettings kafka) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            String jobs = kafka.topics().jobs();
            return admin.describeTopics(List.of(jobs)).allTopicNames().get(30, TimeUnit.SECONDS).get(jobs).partitions().stream()
                    .map(partition -> partition.replicas().size()).toList();
        }
    }

    /**
     * Submits {@code jobs} jobs, paced, while {@code faults} happen; returns once every submission was answered and the
     * faults are over. The last {@value #AFTER_THE_FAULTS} are let go only then, so that the run goes on past them.
     */
    private AtomicReferenceArray<Submission> submitWhile(int jobs, List<ConveyorClient> clients, Supplier<CompletableFuture<Void>> faults)
            throws Exception {
        AtomicReferenceArray<Submission> submissions = new AtomicReferenceArray<>(jobs);
        Semaphore permits = new Semaphore(0);
        AtomicInteger paced = new AtomicInteger();
        AtomicInteger next = new AtomicInteger();
        ScheduledExecutorService pacing = Executors.newSingleThreadScheduledExecutor();
        ExecutorService submitting = Executors.newFixedThreadPool(CLIENTS);
        try {
            pacing.scheduleAtFixedRate(() -> {
                if (paced.getAndIncrement() < jobs - AFTER_THE_FAULTS) {
                    permits.release();
                }
            }, 0, PACE.toMillis(), TimeUnit.MILLISECONDS);
            CompletableFuture<Void> faultsOver = faults.get().whenComplete((done, failed) -> permits.release(AFTER_THE_FAULTS + CLIENTS));
            List<Future<?>> clientsDone = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                clientsDone.add(submitting.submit(() -> {
                    for (permits.acquire(); ; permits.acquire()) {
                        int n = next.getAndIncrement();
                        if (n >= jobs) {
                            return null;
                        }
                        submissions.set(n, submit(n, clients));
                    }
                }));
            }
            faultsOver.get(5, TimeUnit.MINUTES);
            for (Future<?> client : clientsDone) {
                client.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pacing.shutdownNow();
            submitting.shutdownNow(); // done, unless the run failed: then no client may wait for a permit forever
        }
        return submissions;
    }

    /** The first run's faults, one after the other: the ledger's sessions, the broker, the ledger's sessions, an API. */
    private CompletableFuture<Void> faults(BrokerJvm broker, ApiJvm doomedApi, TestDatabase ledger) {
        return CompletableFuture
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
                    }, after(Duration.ofSeconds(5)));
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
        fleet.awaitUp(() -> {
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
    private void settleAndCheck(KafkaSettings kafka, TestDatabase ledger, AtomicReferenceArray<Submission> submissions, WorkerFleet fleet)
            throws SQLException {
        try {
            settle(kafka, ledger, submissions);
        } catch (ConditionTimeoutException e) {
            // A job lost or stuck: the check names the submissions it concerns and prints the counts.
            note("not settled within " + SETTLE.toMinutes() + " min: " + e.getMessage());
        }
        check(submissions, ledger, fleet);
    }

    private void settle(KafkaSettings kafka, TestDatabase ledger, AtomicReferenceArray<Submission> submissions) {
        List<UUID> accepted = IntStream.range(0, submissions.length()).mapToObj(submissions::get)
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

    /** What every run must hold, whatever its faults; prints the counts. */
    private void check(AtomicReferenceArray<Submission> submissions, TestDatabase ledger, WorkerFleet fleet) throws SQLException {
        int submitted = submissions.length();
        Map<String, List<LedgerJob>> byLabel = ledgerJobs(ledger).stream().collect(Collectors.groupingBy(LedgerJob::label));
        Map<Outcome, Long> outcomes = IntStream.range(0, submitted).mapToObj(submissions::get)
                .collect(Collectors.groupingBy(Submission::outcome, Collectors.counting()));
        long unknownPresent = 0;
        List<String> wrong = new ArrayList<>();
        for (int n = 0; n < submitted; n++) {
            Submission submission = submissions.get(n);
            List<LedgerJob> jobs = byLabel.getOrDefault("chaos-" + n, List.of());
            switch (submission.outcome()) {
                case ACCEPTED -> {
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
                unknownPresent, Pause.longest(acceptedTimes(submissions)).seconds());
        System.out.printf("[chaos] %d submissions: %s; %d workers killed, %d restarts by the supervisor; %d s in all%n", submitted, outcomes,
                workerKills.get(), fleet.supervisor().restarts(), (System.nanoTime() - start) / 1_000_000_000);

        assertThat(wrong.size()).as("submissions whose job the ledger does not hold as it should, first ones: %s",
                wrong.subList(0, Math.min(20, wrong.size()))).isZero();
        assertThat(outcomes.getOrDefault(Outcome.HUNG, 0L)).as("requests that hung").isZero();
        assertThat(byLabel.keySet()).as("jobs nobody submitted").allMatch(label -> label.matches("chaos-\\d+"));
        assertThat(notOnce.size()).as("jobs whose history does not hold exactly one SUCCEEDED, first ones: %s",
                notOnce.subList(0, Math.min(20, notOnce.size()))).isZero();
        assertThat(countedWithoutRun).as("counted jobs that succeeded without a run on record").isZero();
    }

    /** When each accepted submission was answered, on the wall clock (its nanoTime answer moved by the test's start). */
    private List<Instant> acceptedTimes(AtomicReferenceArray<Submission> submissions) {
        return IntStream.range(0, submissions.length()).mapToObj(submissions::get)
                .filter(submission -> submission.outcome() == Outcome.ACCEPTED)
                .map(submission -> startedAt.plusNanos(submission.answeredAt() - start)).toList();
    }

    /** When each job was written to the ledger: its first state's time, which the intake sets as it writes the job. */
    private static List<Instant> intakeTimes(TestDatabase ledger) throws SQLException {
        List<Instant> times = new ArrayList<>();
        try (Connection connection = ledger.connect();
             Statement select = connection.createStatement();
             ResultSet rows = select.executeQuery("select jobAsJson::jsonb #>> '{jobHistory,0,createdAt}' from jobrunr_jobs")) {
            while (rows.next()) {
                times.add(Instant.parse(rows.getString(1)));
            }
        }
        return times.stream().sorted().toList();
    }

    /** The longest time between two events of a run, and when it began. */
    private record Pause(Instant from, Duration length) {

        static Pause longest(List<Instant> times) {
            List<Instant> sorted = times.stream().sorted().toList();
            Pause longest = new Pause(sorted.getFirst(), Duration.ZERO);
            for (int i = 1; i < sorted.size(); i++) {
                Duration gap = Duration.between(sorted.get(i - 1), sorted.get(i));
                if (gap.compareTo(longest.length()) > 0) {
                    longest = new Pause(sorted.get(i - 1), gap);
                }
            }
            return longest;
        }

        double seconds() {
            return length.toMillis() / 1e3;
        }

        String around(Instant fault) {
            return String.format("%.1f s (from %+.1f s of the kill)", seconds(), Duration.between(fault, from).toMillis() / 1e3);
        }
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
