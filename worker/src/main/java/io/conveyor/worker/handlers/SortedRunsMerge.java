package io.conveyor.worker.handlers;

import io.conveyor.handler.ProgressCounter;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.zip.CRC32C;

/**
 * The k-way merge of a split {@code sort}: the parts' sorted files (one item per line, as {@link SortOutput} writes
 * them) read one line at a time and merged into the output, so the heap holds one line per part whatever the size.
 * Numbers compare by value, lines by their bytes ({@code LC_ALL=C}); the output is written beside its place and moved
 * into it whole, with its CRC32C, as the unsplit sort writes it.
 */
final class SortedRunsMerge {

    private static final int BUFFER_BYTES = 1 << 20;

    /** What the merge wrote: items, bytes, CRC32C, and for numbers the smallest and largest. */
    record Merged(long count, long bytes, long crc32c, long min, long max) {
    }

    private SortedRunsMerge() {
    }

    static Merged merge(List<Path> runs, boolean numbers, Path output, ProgressCounter progress) throws IOException {
        Comparator<Run> order = numbers ? Comparator.comparingLong(Run::number) : (a, b) -> Arrays.compareUnsigned(a.line, 0, a.length, b.line, 0, b.length);
        PriorityQueue<Run> heads = new PriorityQueue<>(order);
        List<Run> open = new ArrayList<>();
        return AtomicFile.replace(output, temporary -> {
            CRC32C crc = new CRC32C();
            long count = 0;
            long bytes = 0;
            long min = 0;
            long max = 0;
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temporary), BUFFER_BYTES)) {
                for (Path path : runs) {
                    Run run = new Run(new BufferedInputStream(Files.newInputStream(path), BUFFER_BYTES), numbers);
                    open.add(run);
                    if (run.advance()) {
                        heads.add(run);
                    }
                }
                while (!heads.isEmpty()) {
                    if (Thread.interrupted()) {
                        throw new java.io.InterruptedIOException("the merge was interrupted");
                    }
                    Run run = heads.poll();
                    out.write(run.line, 0, run.length);
                    out.write('\n');
                    crc.update(run.line, 0, run.length);
                    crc.update('\n');
                    bytes += run.length + 1;
                    if (numbers) {
                        min = count == 0 ? run.number : min;
                        max = run.number;
                    }
                    if (++count % 65_536 == 0) {
                        progress.add(65_536);
                    }
                    if (run.advance()) {
                        heads.add(run);
                    }
                }
            } finally {
                for (Run run : open) {
                    run.in.close();
                }
            }
            return new Merged(count, bytes, crc.getValue(), min, max);
        });
    }

    /** One part's file, read a line at a time. */
    private static final class Run {
        private final InputStream in;
        private final boolean numbers;
        private byte[] line = new byte[64];
        private int length;
        private long number;

        Run(InputStream in, boolean numbers) {
            this.in = in;
            this.numbers = numbers;
        }

        long number() {
            return number;
        }

        /** Reads the next line; false at the end. */
        boolean advance() throws IOException {
            length = 0;
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (length == line.length) {
                    line = Arrays.copyOf(line, line.length * 2);
                }
                line[length++] = (byte) b;
            }
            if (b == -1 && length == 0) {
                return false;
            }
            if (numbers) {
                number = parse(line, length);
            }
            return true;
        }

        /** A whole number as {@link SortOutput} writes it: optional minus, then digits (Long.MIN_VALUE fits). */
        private static long parse(byte[] bytes, int length) {
            boolean negative = length > 0 && bytes[0] == '-';
            long value = 0;
            for (int i = negative ? 1 : 0; i < length; i++) {
                value = value * 10 - (bytes[i] - '0');
            }
            return negative ? value : -value;
        }
    }
}
