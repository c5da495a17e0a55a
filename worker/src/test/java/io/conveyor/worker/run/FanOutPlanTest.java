package io.conveyor.worker.run;

import io.conveyor.common.JobSubmission;
import io.conveyor.handler.ChildJob;
import io.conveyor.handler.FanOut;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FanOutPlanTest {

    private static final List<ChildJob> CHILDREN = List.of(new ChildJob("noop", null), new ChildJob("primes", null));
    private static final ChildJob THEN = new ChildJob("batch-summary", null);

    @Test
    void everyAttemptOfAParentNamesTheSameJobsAndAnotherParentOthers() {
        UUID parent = UUID.randomUUID();
        FanOutPlan first = FanOutPlan.of(parent, CHILDREN, THEN, Instant.now());
        FanOutPlan again = FanOutPlan.of(parent, CHILDREN, THEN, Instant.now().plusSeconds(60));
        FanOutPlan other = FanOutPlan.of(UUID.randomUUID(), CHILDREN, THEN, Instant.now());

        assertThat(again.fanOut()).isEqualTo(first.fanOut());
        assertThat(first.fanOut().batch()).isEqualTo(FanOutPlan.batchOf(parent));
        assertThat(other.jobs()).extracting(JobSubmission::id).doesNotContainAnyElementsOf(first.jobs().stream().map(JobSubmission::id).toList());
        assertThat(first.jobs()).extracting(JobSubmission::id).doesNotHaveDuplicates().doesNotContain(parent);
    }

    @Test
    void theChildrenAreTheBatchsMembersInOrderAndThenItsCompletion() {
        UUID parent = UUID.randomUUID();
        FanOutPlan plan = FanOutPlan.of(parent, CHILDREN, THEN, Instant.now());

        assertThat(plan.jobs()).hasSize(3);
        assertThat(plan.jobs().subList(0, 2)).extracting(JobSubmission::type).containsExactly("noop", "primes");
        assertThat(plan.jobs().subList(0, 2)).allSatisfy(child -> assertThat(child.batch()).isEqualTo(plan.fanOut().batch()));
        assertThat(plan.jobs().subList(0, 2)).extracting(JobSubmission::id).isEqualTo(plan.fanOut().children());
        JobSubmission then = plan.jobs().getLast();
        assertThat(then.id()).isEqualTo(plan.fanOut().then());
        assertThat(then.completes().batch()).isEqualTo(plan.fanOut().batch());
        assertThat(then.completes().total()).isEqualTo(2);
        assertThat(plan.continuation().children()).isEqualTo(2);
    }

    @Test
    void refusesNoChildrenTooManyAndNoContinuation() {
        UUID parent = UUID.randomUUID();
        assertThatThrownBy(() -> FanOutPlan.of(parent, List.of(), THEN, Instant.now())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FanOutPlan.of(parent, Collections.nCopies(FanOut.MAX_CHILDREN + 1, THEN), THEN, Instant.now()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FanOutPlan.of(parent, CHILDREN, null, Instant.now())).isInstanceOf(IllegalArgumentException.class);
    }
}
