package io.conveyor.api;

import io.conveyor.common.JobSubmission;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An in-memory {@link JobSubmitter} that records what it accepted, call by call, or fails as a test tells it to. */
final class RecordingSubmitter implements JobSubmitter {

    private final List<List<JobSubmission>> calls = new CopyOnWriteArrayList<>();
    private volatile RuntimeException failure;

    void failWith(RuntimeException failure) {
        this.failure = failure;
    }

    List<JobSubmission> submitted() {
        return calls.stream().flatMap(List::stream).toList();
    }

    /** What each accepted call submitted, in order. */
    List<List<JobSubmission>> calls() {
        return List.copyOf(calls);
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
        calls.add(List.copyOf(jobs));
    }
}
