package io.conveyor.worker.handlers;

import io.conveyor.handler.Payloads;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.handler.ComputePool;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.Json;
import io.conveyor.handler.NonRetryableJobException;
import io.conveyor.handler.ProgressCounter;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * {@code sort}: sorts numbers or lines in parallel and writes them to a file, one per line.
 * <ul>
 * <li>{@code {"input": f, "output": o}}: the signed decimal whole numbers of file f, one per line (blank lines skipped);
 * <li>{@code {"input": f, "kind": "lines", "output": o}}: the lines of f, ordered by their bytes ({@code LC_ALL=C sort});
 * <li>{@code {"count": n, "seed": s, "output": o}}: the first n numbers of {@code new SplittableRandom(s).nextLong()}.
 * </ul>
 * Each compute thread parses (or generates) and sorts its own run; {@link ParallelMerge} merges the runs. The result
 * gives the count and the CRC32C of the output file. The data is held in the heap (about 16 bytes a number; a line's
 * length plus 32 bytes), and a job that would need more than half the worker's heap is refused.
 */
public final class SortHandler implements JobHandler {

    public static final long MAX_ITEMS = 100_000_000;
    public static final long MAX_INPUT_BYTES = 1L << 30;
    private static final long BYTES_PER_NUMBER = 16;
    private static final long BYTES_PER_LINE = 32;

    @Override
    public String type() {
        return "sort";
    }

    @Override
    public JsonNode handle(JobContext context) throws Exception {
        ObjectNode payload = context.payload();
        Optional<String> input = Payloads.optionalString(payload, "input");
        String kind = Payloads.optionalString(payload, "kind").orElse("numbers");
        if (!kind.equals("numbers") && !kind.equals("lines")) {
            throw new NonRetryableJobException("payload field 'kind' must be 'numbers' or 'lines', was '" + kind + "'");
        }
        if (input.isPresent() == payload.hasNonNull("count")) {
            throw new NonRetryableJobException("payload must have exactly one of 'input' (a file to sort) and 'count' (numbers to generate)");
        }
        if (input.isEmpty() && kind.equals("lines")) {
            throw new NonRetryableJobException("payload field 'count' generates numbers; 'kind' 'lines' needs an 'input' file");
        }
        String outputName = Payloads.stringField(payload, "output");
        Path output = context.data().fileToWrite("output", outputName);
        ComputePool pool = context.compute();

        SortOutput.Written written;
        long count;
        long[] minMax = null; // the smallest and largest number, for numbers
        if (input.isEmpty()) {
            long n = Payloads.longField(payload, "count", 0, MAX_ITEMS);
            long seed = Payloads.longField(payload, "seed", Long.MIN_VALUE, Long.MAX_VALUE, 0);
            requireHeap(n * BYTES_PER_NUMBER);
            Progress progress = new Progress(context, n, ParallelMerge.rounds(pool.parallelism()));
            List<long[]> ranges = new ArrayList<>();
            for (int r = 0; r < pool.parallelism(); r++) {
                ranges.add(new long[]{n * r / pool.parallelism(), n * (r + 1) / pool.parallelism()});
            }
            List<long[]> runs = pool.map(ranges, range -> {
                long[] run = SortInput.sortedGenerated(seed, range[0], range[1]);
                progress.add(run.length);
                return run;
            });
            long[] sorted = ParallelMerge.numbers(runs, pool, progress::add);
            written = SortOutput.numbers(sorted, output, pool, progress::add);
            count = sorted.length;
            minMax = minMax(sorted);
            progress.finish();
        } else {
            Path file = context.data().existingFile("input", input.get());
            long size = Files.size(file);
            if (size > MAX_INPUT_BYTES) {
                throw new NonRetryableJobException("payload field 'input': the file has " + size + " bytes, over the cap of " + MAX_INPUT_BYTES);
            }
            try (FileChannel channel = FileChannel.open(file)) {
                // Mapped, not read into the heap: the page cache holds the text, the heap only the parsed items.
                MappedByteBuffer text = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
                SortInput sortInput = new SortInput(text, "input");
                long lines = sortInput.lines(pool);
                if (lines > MAX_ITEMS) {
                    throw new NonRetryableJobException("payload field 'input': the file has " + lines + " lines, over the cap of " + MAX_ITEMS);
                }
                requireHeap(kind.equals("numbers") ? lines * BYTES_PER_NUMBER : size + lines * BYTES_PER_LINE);
                List<int[]> segments = sortInput.segments(pool.parallelism());
                Progress progress = new Progress(context, lines, ParallelMerge.rounds(segments.size()));
                if (kind.equals("numbers")) {
                    List<long[]> runs = pool.map(segments, segment -> {
                        long[] run = sortInput.sortedNumbers(segment, expectedLines(segment, lines, size));
                        progress.add(segment, lines, size);
                        return run;
                    });
                    long[] sorted = ParallelMerge.numbers(runs, pool, progress::add);
                    written = SortOutput.numbers(sorted, output, pool, progress::add);
                    count = sorted.length;
                    minMax = minMax(sorted);
                } else {
                    List<byte[][]> runs = pool.map(segments, segment -> {
                        byte[][] run = sortInput.sortedLines(segment, expectedLines(segment, lines, size));
                        progress.add(segment, lines, size);
                        return run;
                    });
                    byte[][] sorted = ParallelMerge.lines(runs, pool, progress::add);
                    written = SortOutput.lines(sorted, output, pool, progress::add);
                    count = sorted.length;
                }
                progress.finish();
            }
        }
        ObjectNode result = Json.MAPPER.createObjectNode().put("kind", kind).put("count", count);
        if (minMax != null) {
            result.put("min", minMax[0]).put("max", minMax[1]);
        }
        return result.put("output", context.data().relative(output))
                .put("bytes", written.bytes())
                .put("crc32c", HexFormat.of().toHexDigits((int) written.crc32c()));
    }

    private static int expectedLines(int[] segment, long lines, long size) {
        return size == 0 ? 0 : (int) Math.min(Integer.MAX_VALUE - 8, lines * (segment[1] - segment[0]) / size + 16);
    }

    private static long[] minMax(long[] sorted) {
        return sorted.length == 0 ? null : new long[]{sorted[0], sorted[sorted.length - 1]};
    }

    /** Refuses a job whose data would take more than half this worker's heap: it would fail every worker it ran on. */
    static void requireHeap(long bytes) {
        long allowed = Runtime.getRuntime().maxMemory() / 2;
        if (bytes > allowed) {
            throw new NonRetryableJobException("sorting this needs about " + (bytes >> 20) + " MiB of heap; a sort job may use at most half"
                    + " of this worker's heap, " + (allowed >> 20) + " MiB (raise CONVEYOR_WORKER_HEAP or sort less)");
        }
    }

    /** Progress over the phases of a sort: runs sorted, each merge round, output written; one unit per item each. */
    private static final class Progress {
        private final JobContext context;
        private final long total;
        private final ProgressCounter counter;

        Progress(JobContext context, long items, int mergeRounds) {
            this.context = context;
            this.total = items * (2L + mergeRounds);
            this.counter = context.progressCounter(total);
        }

        void add(long items) {
            counter.add(items);
        }

        /** A parsed segment counts by its share of the lines, as its exact count is known only once parsed. */
        void add(int[] segment, long lines, long size) {
            counter.add(size == 0 ? 0 : lines * (segment[1] - segment[0]) / size);
        }

        /** Blank lines make fewer numbers than lines: the last report says the work is all done. */
        void finish() {
            context.progress(total, total);
        }
    }
}
