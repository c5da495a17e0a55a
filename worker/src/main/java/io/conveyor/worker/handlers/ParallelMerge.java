package io.conveyor.worker.handlers;

import io.conveyor.common.ComputePool;

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
        List<long[]> round = new ArrayList<>(runs);
        if (round.isEmpty()) {
            return new long[0];
        }
        while (round.size() > 1) {
            int sliceLength = sliceLength(round.stream().mapToLong(run -> run.length).sum(), pool);
            List<long[]> next = new ArrayList<>();
            List<Runnable> slices = new ArrayList<>();
            for (int r = 0; r + 1 < round.size(); r += 2) {
                long[] left = round.get(r);
                long[] right = round.get(r + 1);
                long[] out = new long[left.length + right.length];
                for (int from = 0; from < out.length; from += sliceLength) {
                    int sliceFrom = from;
                    int sliceTo = Math.min(out.length, from + sliceLength);
                    slices.add(() -> {
                        mergeSlice(left, right, out, sliceFrom, sliceTo);
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

    /** Merges sorted runs of lines, compared as unsigned bytes; {@code progress} hears of every line placed. */
    static byte[][] lines(List<byte[][]> runs, ComputePool pool, LongConsumer progress) throws IOException, InterruptedException {
        List<byte[][]> round = new ArrayList<>(runs);
        if (round.isEmpty()) {
            return new byte[0][];
        }
        while (round.size() > 1) {
            int sliceLength = sliceLength(round.stream().mapToLong(run -> run.length).sum(), pool);
            List<byte[][]> next = new ArrayList<>();
            List<Runnable> slices = new ArrayList<>();
            for (int r = 0; r + 1 < round.size(); r += 2) {
                byte[][] left = round.get(r);
                byte[][] right = round.get(r + 1);
                byte[][] out = new byte[left.length + right.length][];
                for (int from = 0; from < out.length; from += sliceLength) {
                    int sliceFrom = from;
                    int sliceTo = Math.min(out.length, from + sliceLength);
                    slices.add(() -> {
                        mergeSlice(left, right, out, sliceFrom, sliceTo);
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
