package io.conveyor.worker.run;

import io.conveyor.common.BatchCompletion;
import io.conveyor.common.Continuation;
import io.conveyor.common.JobSubmission;
import io.conveyor.handler.ChildJob;
import io.conveyor.handler.FanOut;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The jobs a handler's {@code context.fanOut(children, then)} submits: the children as members of a batch, and
 * {@code then} as its completion job, each under an id derived from the parent's id (name-based UUIDs), so that every
 * attempt of the parent names the same jobs and the ledger's primary key keeps one of each.
 *
 * @param jobs the members, in the order given, then the completion job
 */
public record FanOutPlan(UUID parent, FanOut fanOut, List<JobSubmission> jobs) {

    public FanOutPlan {
        jobs = List.copyOf(jobs);
    }

    public static FanOutPlan of(UUID parent, List<ChildJob> children, ChildJob then, Instant now) {
        if (children == null || children.isEmpty() || children.size() > FanOut.MAX_CHILDREN) {
            throw new IllegalArgumentException("a fan-out has 1 to " + FanOut.MAX_CHILDREN + " children, got "
                    + (children == null ? 0 : children.size()));
        }
        if (then == null) {
            throw new IllegalArgumentException("a fan-out needs its continuation (then)");
        }
        UUID batch = batchOf(parent);
        List<JobSubmission> jobs = new ArrayList<>(children.size() + 1);
        List<UUID> ids = new ArrayList<>(children.size());
        for (int i = 0; i < children.size(); i++) {
            UUID id = derived(parent, "child " + i);
            ids.add(id);
            jobs.add(submission(id, children.get(i), now).inBatch(batch));
        }
        UUID thenId = derived(parent, "then");
        jobs.add(submission(thenId, then, now).completing(new BatchCompletion(batch, children.size(), false)));
        return new FanOutPlan(parent, new FanOut(batch, ids, thenId), jobs);
    }

    /** What the parent keeps in its metadata when it succeeds. */
    public Continuation continuation() {
        return new Continuation(fanOut.batch(), fanOut.then(), fanOut.children().size());
    }

    private static JobSubmission submission(UUID id, ChildJob job, Instant now) {
        return new JobSubmission(id, job.type(), job.payload(), JobSubmission.MAX_ATTEMPTS_DEFAULT, List.of(), now);
    }

    /** The id of the batch of {@code parent}'s children, whichever attempt made them. */
    public static UUID batchOf(UUID parent) {
        return derived(parent, "batch");
    }

    /** A name-based id: the same parent and name give the same id on every attempt, on every worker. */
    static UUID derived(UUID parent, String name) {
        return UUID.nameUUIDFromBytes(("conveyor fan-out of " + parent + ": " + name).getBytes(StandardCharsets.UTF_8));
    }
}
