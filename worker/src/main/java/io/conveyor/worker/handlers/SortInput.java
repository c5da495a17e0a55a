package io.conveyor.worker.handlers;

import io.conveyor.handler.ComputePool;
import io.conveyor.handler.NonRetryableJobException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The input of a {@code sort} job: a file mapped into memory, cut at line boundaries into one segment per compute
 * thread, each segment parsed into a run (numbers or lines) and sorted on its own; or numbers generated from a seed.
 */
final class SortInput {

    /** SplitMix64's increment, as {@link java.util.SplittableRandom} uses it. */
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final ByteBuffer text;
    private final String field;

    /**
     * @param text  the file's bytes (read-only; each task reads its own duplicate)
     * @param field the payload field that named the file, for error messages
     */
    SortInput(ByteBuffer text, String field) {
        this.text = text;
        this.field = field;
    }

    /** How many lines the text has (a last line without {@code \n} counts), counted in parallel. */
    long lines(ComputePool pool) throws InterruptedException {
        int size = text.limit();
        if (size == 0) {
            return 0;
        }
        long newlines = pool.splitRange(0, size, (from, to) -> {
            ByteBuffer bytes = text.duplicate();
            long count = 0;
            for (int i = (int) from; i < to; i++) {
                if (bytes.get(i) == '\n') {
                    count++;
                }
            }
            return count;
        }, Long::sum);
        return text.get(size - 1) == '\n' ? newlines : newlines + 1;
    }

    /** {@code count} cuts of the text into ranges that start at a line's start; some may be empty. */
    List<int[]> segments(int count) {
        int size = text.limit();
        List<int[]> segments = new ArrayList<>();
        int start = 0;
        for (int s = 1; s <= count; s++) {
            int end = s == count ? size : Math.max(start, (int) ((long) size * s / count));
            while (end < size && end > 0 && text.get(end - 1) != '\n') {
                end++;
            }
            segments.add(new int[]{start, end});
            start = end;
        }
        return segments;
    }

    /** The numbers of one segment, sorted: one signed decimal whole number per line; blank lines are skipped. */
    long[] sortedNumbers(int[] segment, int expected) {
        ByteBuffer bytes = text.duplicate();
        long[] values = new long[Math.max(16, expected)];
        int count = 0;
        int i = segment[0];
        int end = segment[1];
        while (i < end) {
            int lineStart = i;
            while (i < end && isBlank(bytes.get(i))) {
                i++;
            }
            boolean negative = false;
            if (i < end && (bytes.get(i) == '-' || bytes.get(i) == '+')) {
                negative = bytes.get(i) == '-';
                i++;
            }
            long limit = negative ? Long.MIN_VALUE : -Long.MAX_VALUE;
            long value = 0; // accumulated negatively, so that Long.MIN_VALUE fits
            int digits = 0;
            byte b;
            while (i < end && (b = bytes.get(i)) >= '0' && b <= '9') {
                int digit = b - '0';
                if (value < limit / 10 || value * 10 < limit + digit) {
                    throw notANumber(lineStart);
                }
                value = value * 10 - digit;
                digits++;
                i++;
            }
            while (i < end && isBlank(bytes.get(i))) {
                i++;
            }
            if (i < end && bytes.get(i) != '\n' || digits == 0 && i > lineStart && !allBlank(bytes, lineStart, i)) {
                throw notANumber(lineStart);
            }
            if (digits > 0) {
                if (count == values.length) {
                    values = Arrays.copyOf(values, values.length + (values.length >> 1));
                }
                values[count++] = negative ? value : -value;
            }
            i++; // past the newline
        }
        values = count == values.length ? values : Arrays.copyOf(values, count);
        Arrays.sort(values);
        return values;
    }

    /** The lines of one segment, without their {@code \n}, sorted by their bytes (as {@code LC_ALL=C sort} does). */
    byte[][] sortedLines(int[] segment, int expected) {
        ByteBuffer bytes = text.duplicate();
        byte[][] lines = new byte[Math.max(16, expected)][];
        int count = 0;
        int i = segment[0];
        int end = segment[1];
        while (i < end) {
            int lineEnd = i;
            while (lineEnd < end && bytes.get(lineEnd) != '\n') {
                lineEnd++;
            }
            byte[] line = new byte[lineEnd - i];
            bytes.get(i, line);
            if (count == lines.length) {
                lines = Arrays.copyOf(lines, lines.length + (lines.length >> 1));
            }
            lines[count++] = line;
            i = lineEnd + 1;
        }
        lines = count == lines.length ? lines : Arrays.copyOf(lines, count);
        Arrays.sort(lines, Arrays::compareUnsigned);
        return lines;
    }

    /** Numbers {@code [from, to)} of the sequence {@code new SplittableRandom(seed).nextLong()} gives, sorted. */
    static long[] sortedGenerated(long seed, long from, long to) {
        long[] values = new long[(int) (to - from)];
        for (int i = 0; i < values.length; i++) {
            values[i] = mix64(seed + (from + i + 1) * GOLDEN_GAMMA);
        }
        Arrays.sort(values);
        return values;
    }

    /** SplitMix64's output function (the one {@link java.util.SplittableRandom} uses). */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private NonRetryableJobException notANumber(int lineStart) {
        ByteBuffer bytes = text.duplicate();
        long line = 1;
        for (int i = 0; i < lineStart; i++) {
            if (bytes.get(i) == '\n') {
                line++;
            }
        }
        int lineEnd = lineStart;
        while (lineEnd < bytes.limit() && bytes.get(lineEnd) != '\n' && lineEnd - lineStart < 40) {
            lineEnd++;
        }
        byte[] excerpt = new byte[lineEnd - lineStart];
        bytes.get(lineStart, excerpt);
        return new NonRetryableJobException("line " + line + " of the file in payload field '" + field
                + "' is not a whole number between " + Long.MIN_VALUE + " and " + Long.MAX_VALUE + ": '"
                + new String(excerpt, StandardCharsets.UTF_8).strip() + "'");
    }

    private static boolean isBlank(byte b) {
        return b == ' ' || b == '\t' || b == '\r';
    }

    private static boolean allBlank(ByteBuffer bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!isBlank(bytes.get(i))) {
                return false;
            }
        }
        return true;
    }
}
