package io.conveyor.api;

import io.conveyor.common.JobSubmission;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory {@link JobSubmitter} that records what it accepted, or fails as a test tells it to. */
final class RecordingSubmitter implements JobSubmitter {

    private final List<JobSubmission> submitted = new CopyOnWriteArrayList<>();
    private volatile RuntimeException failure;

    void failWith(RuntimeException failure) {
        this.failure = failure;
    }

    List<JobSubmission> submitted() {
        return List.copyOf(submitted);
    }

    @Override
    public void submit(JobSubmission job) {
        submitAll(List.of(job));
    }

    @Override
    public void submitAll(List<JobSubmission> jobs) {
        if (failure != null) {
            throw failure;
        }
        submitted.addAll(jobs);
    }
}
