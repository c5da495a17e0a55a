package io.conveyor.worker.ledger;

import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.filters.ElectStateFilter;
import org.jobrunr.jobs.filters.RetryFilter;
import org.jobrunr.jobs.states.JobState;

import java.util.List;

/**
 * Several state-election filters acting as one. JobRunr keeps only the last {@link ElectStateFilter} it is given
 * (registering a second one silently drops its {@link RetryFilter}), so Conveyor's election steps are chained here,
 * in order, with the retry decision first.
 */
public final class ElectStateFilterChain implements ElectStateFilter {

    private final List<ElectStateFilter> filters;

    public ElectStateFilterChain(List<ElectStateFilter> filters) {
        this.filters = List.copyOf(filters);
    }

    @Override
    public void onStateElection(Job job, JobState newState) {
        for (ElectStateFilter filter : filters) {
            filter.onStateElection(job, job.getJobState());
        }
    }
}
