package io.conveyor.worker.handlers;

import io.conveyor.handler.ForkJoinComputePool;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ParallelMergeTest {

    @Test
    void mergesAnyNumberOfRunsOfAnyLengthsIntoTheSortedWhole() throws Exception {
        SplittableRandom random = new SplittableRandom(5);
        try (ForkJoinComputePool pool = new ForkJoinComputePool(3)) {
            for (int runCount : new int[]{1, 2, 3, 5, 8}) {
                List<long[]> runs = new ArrayList<>();
                List<Long> all = new ArrayList<>();
                for (int r = 0; r < runCount; r++) {
                    long[] run = new long[r == 1 ? 0 : random.nextInt(150_000)];
                    for (int i = 0; i < run.length; i++) {
                        run[i] = random.nextLong(-500, 500); // many ties across runs
                        all.add(run[i]);
                    }
                    Arrays.sort(run);
                    runs.add(run);
                }
                AtomicLong placed = new AtomicLong();
                long[] merged = ParallelMerge.numbers(runs, pool, placed::addAndGet);
                assertThat(merged).isSorted().hasSize(all.size());
                assertThat(Arrays.stream(merged).sum()).isEqualTo(all.stream().mapToLong(Long::longValue).sum());
                long everyRound = (long) all.size() * ParallelMerge.rounds(runCount);
                // A run carried through a round with an odd number of runs is not placed in that round.
                assertThat(placed.get()).isLessThanOrEqualTo(everyRound);
                if (Integer.bitCount(runCount) == 1) {
                    assertThat(placed.get()).isEqualTo(everyRound);
                }
            }
        }
    }

    @Test
    void coRankSplitsTiesLeftFirst() {
        long[] left = {1, 2, 2, 3};
        long[] right = {2, 2, 4};
        // merged: 1 2L 2L 2R 2R 3 4
        assertThat(ParallelMerge.coRank(0, left, right)).isZero();
        assertThat(ParallelMerge.coRank(3, left, right)).isEqualTo(3);
        assertThat(ParallelMerge.coRank(5, left, right)).isEqualTo(3);
        assertThat(ParallelMerge.coRank(6, left, right)).isEqualTo(4);
        assertThat(ParallelMerge.coRank(7, left, right)).isEqualTo(4);
        long[] out = new long[7];
        ParallelMerge.mergeSlice(left, right, out, 0, 4);
        ParallelMerge.mergeSlice(left, right, out, 4, 7);
        assertThat(out).containsExactly(1, 2, 2, 2, 2, 3, 4);
    }

    @Test
    void roundsAreTheCeilingOfTheLogarithm() {
        assertThat(List.of(ParallelMerge.rounds(1), ParallelMerge.rounds(2), ParallelMerge.rounds(3), ParallelMerge.rounds(4), ParallelMerge.rounds(5)))
                .containsExactly(0, 1, 2, 2, 3);
    }
}
