package io.conveyor.worker.ledger;

import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.ApplyStateFilter;
import org.jobrunr.jobs.filters.JobFilter;
import org.jobrunr.jobs.states.JobState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Runs the worker's state-applied filters (events, metrics, the failure log) on jobs whose new states were saved, as
 * JobRunr's {@code JobFilterUtils.runOnStateAppliedFilters} does (each new state since the last run, oldest first; a
 * filter that throws is logged and the others still run), but with the filter list made once: JobRunr builds it anew
 * for every job, looking up the job method's {@code @Job} annotation by reflection each time (a tenth of the claim's and
 * the succeeded-jobs writer's time in a noop run). Conveyor's job methods ({@code JobDispatcher.run},
 * {@code WaitingJobDispatcher.run}) carry no such annotation, so the list is the same for every job.
 */
public final class AppliedStateFilters {

    private static final Logger LOGGER = LoggerFactory.getLogger(AppliedStateFilters.class);
    private final List<ApplyStateFilter> filters;

    /** @param jobFilters the worker's job filters, as given to its job server; the state-applied ones among them run */
    public AppliedStateFilters(List<? extends JobFilter> jobFilters) {
        this.filters = jobFilters.stream().filter(ApplyStateFilter.class::isInstance).map(ApplyStateFilter.class::cast).toList();
    }

    public void run(List<Job> jobs) {
        jobs.forEach(this::run);
    }

    public void run(Job job) {
        List<JobState> changes = job.getStateChangesForJobFilters();
        if (changes.isEmpty()) {
            return;
        }
        for (ApplyStateFilter filter : filters) {
            try {
                for (int i = changes.size(); i >= 1; i--) {
                    filter.onStateApplied(job, job.getJobState(-(i + 1)), job.getJobState(-i));
                }
            } catch (RuntimeException e) {
                LOGGER.error("Error evaluating JobFilter {}", filter.getClass().getName(), e);
            }
        }
    }
}
