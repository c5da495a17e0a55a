package io.conveyor.worker.handlers;

import io.conveyor.handler.ComputePool;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Merges sorted runs into one sorted array on the compute pool: pairs of runs in rounds, each merge cut into
 * independent slices by co-ranking (a binary search for where each slice of the output starts in both inputs), so
 * that even the last merge of two halves keeps every thread busy. Ties keep the left run's element first.
 */
final class ParallelMerge {

    /** Slices per thread in a round: a few, so that a slow thread does not hold up the round. */
    private static final int SLICES_PER_THREAD = 4;
    private static final int MIN_SLICE = 1 << 15;

    private ParallelMerge() {
    }

    /** How many rounds {@code runs} sorted runs take to merge. */
    static int rounds(int runs) {
        return runs <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(runs - 1);
    }

    /** Merges sorted {@code long} runs; {@code progress} hears of every element placed. */
    static long[] numbers(List<long[]> runs, ComputePool pool, LongConsumer progress) throws IOException, InterruptedException {
        return merge(runs, NUMBERS, pool, progress);
    }

    /** Merges sorted runs of lines, compared as unsigned bytes; {@code progress} hears of every line placed. */
    static byte[][] lines(List<byte[][]> runs, ComputePool pool, LongConsumer progress) throws IOException, InterruptedException {
        return merge(runs, LINES, pool, progress);
    }

    /**
     * What the rounds need to know of a run type. The element loops stay specialized per type ({@code mergeSlice},
     * {@code coRank}): only the round structure is shared, one call per slice.
     */
    private interface RunType<A> {
        int length(A run);

        A allocate(int length);

        void mergeSlice(A left, A right, A out, int from, int to);
    }

    private static final RunType<long[]> NUMBERS = new RunType<>() {
        public int length(long[] run) {
            return run.length;
        }

        public long[] allocate(int length) {
            return new long[length];
        }

        public void mergeSlice(long[] left, long[] right, long[] out, int from, int to) {
            ParallelMerge.mergeSlice(left, right, out, from, to);
        }
    };

    private static final RunType<byte[][]> LINES = new RunType<>() {
        public int length(byte[][] run) {
            return run.length;
        }

        public byte[][] allocate(int length) {
            return new byte[length][];
        }

        public void mergeSlice(byte[][] left, byte[][] right, byte[][] out, int from, int to) {
            ParallelMerge.mergeSlice(left, right, out, from, to);
        }
    };

    private static <A> A merge(List<A> runs, RunType<A> type, ComputePool pool, LongConsumer progress) throws IOException, InterruptedException {
        List<A> round = new ArrayList<>(runs);
        if (round.isEmpty()) {
            return type.allocate(0);
        }
        while (round.size() > 1) {
            int sliceLength = sliceLength(round.stream().mapToLong(type::length).sum(), pool);
            List<A> next = new ArrayList<>();
            List<Runnable> slices = new ArrayList<>();
            for (int r = 0; r + 1 < round.size(); r += 2) {
                A left = round.get(r);
                A right = round.get(r + 1);
                A out = type.allocate(type.length(left) + type.length(right));
                for (int from = 0; from < type.length(out); from += sliceLength) {
                    int sliceFrom = from;
                    int sliceTo = Math.min(type.length(out), from + sliceLength);
                    slices.add(() -> {
                        type.mergeSlice(left, right, out, sliceFrom, sliceTo);
                        progress.accept(sliceTo - sliceFrom);
                    });
                }
                next.add(out);
            }
            if (round.size() % 2 == 1) {
                next.add(round.getLast());
            }
            run(slices, pool);
            round = next;
        }
        return round.getFirst();
    }

    private static int sliceLength(long elements, ComputePool pool) {
        long perSlice = (elements + (long) pool.parallelism() * SLICES_PER_THREAD - 1) / ((long) pool.parallelism() * SLICES_PER_THREAD);
        return (int) Math.max(MIN_SLICE, perSlice);
    }

    private static void run(List<Runnable> slices, ComputePool pool) throws IOException, InterruptedException {
        pool.map(slices, slice -> {
            slice.run();
            return Boolean.TRUE;
        });
    }

    /** Fills {@code out[from, to)} with its elements of the merge of {@code left} and {@code right}. */
    static void mergeSlice(long[] left, long[] right, long[] out, int from, int to) {
        int i = coRank(from, left, right);
        int j = from - i;
        int iEnd = coRank(to, left, right);
        int jEnd = to - iEnd;
        int k = from;
        while (i < iEnd && j < jEnd) {
            out[k++] = left[i] <= right[j] ? left[i++] : right[j++];
        }
        System.arraycopy(left, i, out, k, iEnd - i);
        System.arraycopy(right, j, out, k + iEnd - i, jEnd - j);
    }

    /** How many of the first {@code k} merged elements come from {@code left}. */
    static int coRank(int k, long[] left, long[] right) {
        int low = Math.max(0, k - right.length);
        int high = Math.min(k, left.length);
        while (low < high) {
            int i = (low + high) >>> 1;
            int j = k - i;
            if (j > 0 && left[i] <= right[j - 1]) {
                low = i + 1; // left[i] goes before right[j - 1]: more of the first k come from left
            } else {
                high = i;
            }
        }
        return low;
    }

    static void mergeSlice(byte[][] left, byte[][] right, byte[][] out, int from, int to) {
        int i = coRank(from, left, right);
        int j = from - i;
        int iEnd = coRank(to, left, right);
        int jEnd = to - iEnd;
        int k = from;
        while (i < iEnd && j < jEnd) {
            out[k++] = Arrays.compareUnsigned(left[i], right[j]) <= 0 ? left[i++] : right[j++];
        }
        System.arraycopy(left, i, out, k, iEnd - i);
        System.arraycopy(right, j, out, k + iEnd - i, jEnd - j);
    }

    static int coRank(int k, byte[][] left, byte[][] right) {
        int low = Math.max(0, k - right.length);
        int high = Math.min(k, left.length);
        while (low < high) {
            int i = (low + high) >>> 1;
            int j = k - i;
            if (j > 0 && Arrays.compareUnsigned(left[i], right[j - 1]) <= 0) {
                low = i + 1;
            } else {
                high = i;
            }
        }
        return low;
    }
}
