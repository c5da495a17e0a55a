package io.conveyor.worker.retry;

import io.conveyor.common.failure.FailureKind;
import io.conveyor.handler.Backoff;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.states.StateName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.conveyor.worker.retry.LedgerJobBuilder.aJob;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/ARCHITECTURE.md's "States of a job": the table of what follows a FAILED state is what {@link RetryPolicy}
 * decides, row for row, for every failure kind; and the diagram's edges out of FAILED are the table's next states.
 */
class StateDiagramTest {

    private static final String DOC = "docs/ARCHITECTURE.md";
    private static final String TABLE_HEADER = "| failure kind | attempts left | quarantine limit reached | next state |";
    private static final Pattern FAILED_EDGE = Pattern.compile("(?m)^\\s*FAILED --> ([^:\\s]+)");
    private static final int QUARANTINE_KILLS = 2;
    private static final UUID A = UUID.randomUUID();
    private static final UUID B = UUID.randomUUID();

    private final RetryPolicy policy = new RetryPolicy(job -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8)), QUARANTINE_KILLS,
            Clock.fixed(Instant.parse("2026-11-27T12:00:00Z"), ZoneOffset.UTC), new Random(42));

    @Test
    void theTableIsTheRetryPolicysDecisionForEveryFailureKind() throws IOException {
        assertThat(documentedRows()).containsExactlyInAnyOrderElementsOf(decidedRows());
    }

    @Test
    void theDiagramsEdgesOutOfFailedAreTheTablesNextStates() throws IOException {
        Set<String> edges = new HashSet<>();
        Matcher edge = FAILED_EDGE.matcher(stateDiagram());
        while (edge.find()) {
            edges.add(edge.group(1));
        }
        edges.remove("DELETED"); // by hand, from the dashboard: not the policy's
        Set<String> nextStates = documentedRows().stream().map(row -> row.get(3)).collect(Collectors.toSet());
        if (nextStates.remove("FAILED")) {
            nextStates.add("[*]"); // stays FAILED: the end of the job
        }

        assertThat(edges).isEqualTo(nextStates);
    }

    /** Every case the policy tells apart: each kind, with attempts left or not, and for a kill, at the quarantine limit or not. */
    private List<List<String>> decidedRows() {
        List<List<String>> rows = new ArrayList<>();
        for (FailureKind kind : FailureKind.values()) {
            for (boolean attemptsLeft : new boolean[]{true, false}) {
                if (kind == FailureKind.HANDED_BACK && !attemptsLeft) {
                    continue; // a hand-back is not an attempt: it cannot use up the last one
                }
                for (boolean limitReached : kind == FailureKind.KILLED_WORKER ? new boolean[]{false, true} : new boolean[]{false}) {
                    Job job = jobThatJustFailed(kind, attemptsLeft, limitReached);
                    policy.onStateElection(job, job.getJobState());
                    rows.add(List.of(kind.name(), yesNo(attemptsLeft), yesNo(limitReached), job.getState().name()));
                }
            }
        }
        return rows;
    }

    private static Job jobThatJustFailed(FailureKind kind, boolean attemptsLeft, boolean limitReached) {
        if (limitReached) { // its second kill, after a first one on another worker
            return aJob().withMaxAttempts(attemptsLeft ? 3 : 2).ranOn(B).killedItsWorker().enqueued().ranOn(A).killedItsWorker().build();
        }
        LedgerJobBuilder job = aJob().withMaxAttempts(attemptsLeft ? 2 : 1).ranOn(A);
        LedgerJobBuilder failed = switch (kind) {
            case ORDINARY -> job.failed();
            case NON_RETRYABLE -> job.failedNonRetryable();
            case WORKER_LOST -> job.lostItsWorker();
            case KILLED_WORKER -> job.killedItsWorker();
            case HANDED_BACK -> job.handedBack();
        };
        return failed.build();
    }

    private static String yesNo(boolean value) {
        return value ? "yes" : "no";
    }

    /** The table's rows, each as its four cells without the code marks. */
    private static List<List<String>> documentedRows() throws IOException {
        List<String> lines = Files.readAllLines(projectRoot().resolve(DOC));
        int header = lines.indexOf(TABLE_HEADER);
        assertThat(header).as(DOC + " has the table of what follows a failure: " + TABLE_HEADER).isNotNegative();
        List<List<String>> rows = new ArrayList<>();
        for (String line : lines.subList(header + 2, lines.size())) { // after the header and its |---| line
            if (!line.startsWith("|")) {
                break;
            }
            rows.add(Arrays.stream(line.substring(1, line.lastIndexOf('|')).split("\\|"))
                    .map(cell -> cell.strip().replace("`", "")).toList());
        }
        return rows;
    }

    private static String stateDiagram() throws IOException {
        String doc = Files.readString(projectRoot().resolve(DOC));
        int start = doc.indexOf("```mermaid\nstateDiagram-v2");
        assertThat(start).as(DOC + " has the job state diagram").isNotNegative();
        return doc.substring(start, doc.indexOf("```", start + 3));
    }

    private static Path projectRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve("docs"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no project root above " + Path.of("").toAbsolutePath());
    }
}
