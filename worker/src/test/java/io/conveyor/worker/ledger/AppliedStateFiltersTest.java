package io.conveyor.worker.ledger;

import io.conveyor.worker.JobDispatcher;
import io.conveyor.worker.LedgerJobRequest;
import io.conveyor.worker.WaitingJobDispatcher;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.filters.ApplyStateFilter;
import org.jobrunr.jobs.filters.ElectStateFilter;
import org.jobrunr.jobs.states.EnqueuedState;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

class AppliedStateFiltersTest {

    @Test
    void runsEachStateAppliedFilterOnEveryNewStateOldestFirstAndOnlyOnce() {
        List<String> seen = new ArrayList<>();
        ApplyStateFilter recorder = (job, oldState, newState) -> seen.add(oldState.getName() + "->" + newState.getName());
        ElectStateFilter election = (job, state) -> seen.add("elected");
        Job job = new Job(UUID.randomUUID(), 1, new JobDetails(new LedgerJobRequest("noop", "{}")),
                List.<JobState>of(new EnqueuedState(), new ProcessingState(UUID.randomUUID(), "test")), new ConcurrentHashMap<>());
        job.getStateChangesForJobFilters(); // the states it was made with are not new
        job.failed("boom", new IllegalStateException("boom"));
        job.enqueue();

        AppliedStateFilters filters = new AppliedStateFilters(List.of(election, recorder));
        filters.run(List.of(job));
        filters.run(List.of(job));

        assertThat(seen).containsExactly("PROCESSING->FAILED", "FAILED->ENQUEUED");
    }

    @Test
    void aFilterThatThrowsDoesNotKeepTheOthersFromRunning() {
        List<String> seen = new ArrayList<>();
        ApplyStateFilter broken = (job, oldState, newState) -> {
            throw new IllegalStateException("broken filter");
        };
        ApplyStateFilter recorder = (job, oldState, newState) -> seen.add(newState.getName().name());
        Job job = new Job(UUID.randomUUID(), 1, new JobDetails(new LedgerJobRequest("noop", "{}")),
                List.<JobState>of(new EnqueuedState()), new ConcurrentHashMap<>());
        job.getStateChangesForJobFilters();
        job.delete("cancelled");

        new AppliedStateFilters(List.of(broken, recorder)).run(job);

        assertThat(seen).containsExactly("DELETED");
    }

    /** The one filter list serves every job only because no job method of Conveyor's adds filters of its own. */
    @Test
    void conveyorsJobMethodsCarryNoJobAnnotationThatWouldAddFilters() throws NoSuchMethodException {
        assertThat(JobDispatcher.class.getMethod("run", LedgerJobRequest.class).getAnnotation(org.jobrunr.jobs.annotations.Job.class)).isNull();
        assertThat(WaitingJobDispatcher.class.getMethod("run", LedgerJobRequest.class).getAnnotation(org.jobrunr.jobs.annotations.Job.class)).isNull();
    }
}
