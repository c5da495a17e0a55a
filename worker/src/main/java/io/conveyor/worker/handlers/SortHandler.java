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

import java.io.IOException;
import java.nio.ByteBuffer;
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
 * <p>
 * With {@code "split": n} (an input file), the file is cut at line starts into up to n byte ranges, each sorted by a
 * part job on any worker (as above, into its scratch file), and a merge job merges the parts' files k ways, a line at
 * a time ({@link SortedRunsMerge}), into the output ({@link SplitWork}): a file larger than one worker's heap sorts in
 * parts that each fit, with the same output and result.
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
        return SplitWork.handle(context, SPLITTABLE);
    }

    private static final SplitWork.Splittable SPLITTABLE = new SplitWork.Splittable() {
        @Override
        public String type() {
            return "sort";
        }

        @Override
        public JsonNode whole(JobContext context) throws Exception {
            return sortWhole(context);
        }

        /** Byte ranges of the input file that start at a line's start, of about equal size; none for generated numbers. */
        @Override
        public List<ObjectNode> parts(JobContext context, ObjectNode payload, int n) throws IOException {
            Optional<String> input = Payloads.optionalString(payload, "input");
            if (input.isEmpty()) {
                return List.of();
            }
            kindOf(payload);
            Path file = context.data().existingFile("input", input.get());
            List<ObjectNode> parts = new ArrayList<>();
            try (FileChannel channel = FileChannel.open(file)) {
                long size = channel.size();
                long from = 0;
                for (int p = 1; p <= n && from < size; p++) {
                    long to = p == n ? size : lineStartAtOrAfter(channel, Math.max(from, size * p / n));
                    if (to > from) {
                        ObjectNode part = payload.deepCopy();
                        part.putArray("bytes").add(from).add(to);
                        parts.add(part);
                    }
                    from = to;
                }
            }
            return parts;
        }

        /** Sorts the part's byte range of the input into the scratch file. */
        @Override
        public JsonNode part(JobContext context, ObjectNode payload, Path scratch) throws Exception {
            String kind = kindOf(payload);
            Path file = context.data().existingFile("input", Payloads.stringField(payload, "input"));
            long from = payload.path("bytes").path(0).asLong(-1);
            long to = payload.path("bytes").path(1).asLong(-1);
            if (from < 0 || to < from || to > Files.size(file)) {
                throw new NonRetryableJobException("payload field 'bytes' must be [from, to] within the input file, was " + payload.path("bytes"));
            }
            try (FileChannel channel = FileChannel.open(file)) {
                Sorted sorted = sortMapped(context, channel, from, to - from, kind, scratch);
                ObjectNode result = Json.MAPPER.createObjectNode().put("count", sorted.count());
                return sorted.minMax() == null ? result : result.put("min", sorted.minMax()[0]).put("max", sorted.minMax()[1]);
            }
        }

        /** The k-way merge of the parts' sorted files into the output. */
        @Override
        public JsonNode merge(JobContext context, ObjectNode payload, List<SplitWork.Part> parts) throws IOException {
            String kind = kindOf(payload);
            Path output = context.data().fileToWrite("output", Payloads.stringField(payload, "output"));
            long items = parts.stream().mapToLong(part -> part.result().path("count").asLong()).sum();
            SortedRunsMerge.Merged merged = SortedRunsMerge.merge(parts.stream().map(SplitWork.Part::scratch).toList(), kind.equals("numbers"),
                    output, context.progressCounter(items));
            context.progress(items, items);
            ObjectNode result = Json.MAPPER.createObjectNode().put("kind", kind).put("count", merged.count());
            if (kind.equals("numbers") && merged.count() > 0) {
                result.put("min", merged.min()).put("max", merged.max());
            }
            return result.put("output", context.data().relative(output))
                    .put("bytes", merged.bytes())
                    .put("crc32c", HexFormat.of().toHexDigits((int) merged.crc32c()));
        }
    };

    /** The start of the first line that begins at or after {@code position} (the file's size if none). */
    private static long lineStartAtOrAfter(FileChannel channel, long position) throws IOException {
        if (position == 0) {
            return 0;
        }
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        long at = position - 1; // a line starts at position if the byte before it ends one
        while (at < channel.size()) {
            buffer.clear();
            int read = channel.read(buffer, at);
            for (int i = 0; i < read; i++) {
                if (buffer.get(i) == '\n') {
                    return at + i + 1;
                }
            }
            at += Math.max(read, 1);
        }
        return channel.size();
    }

    private static String kindOf(ObjectNode payload) {
        String kind = Payloads.optionalString(payload, "kind").orElse("numbers");
        if (!kind.equals("numbers") && !kind.equals("lines")) {
            throw new NonRetryableJobException("payload field 'kind' must be 'numbers' or 'lines', was '" + kind + "'");
        }
        return kind;
    }

    private static JsonNode sortWhole(JobContext context) throws Exception {
        ObjectNode payload = context.payload();
        Optional<String> input = Payloads.optionalString(payload, "input");
        String kind = kindOf(payload);
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
                throw new NonRetryableJobException("payload field 'input': the file has " + size + " bytes, over the cap of " + MAX_INPUT_BYTES
                        + " (sort it with \"split\": n, in parts of at most that)");
            }
            try (FileChannel channel = FileChannel.open(file)) {
                Sorted sorted = sortMapped(context, channel, 0, size, kind, output);
                written = sorted.written();
                count = sorted.count();
                minMax = sorted.minMax();
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

    /** What one sort of a file's bytes wrote: the output, the items, and the smallest and largest number (null for lines). */
    private record Sorted(SortOutput.Written written, long count, long[] minMax) {
    }

    /** Sorts {@code length} bytes of the file from {@code position} (whole lines) into {@code output}. */
    private static Sorted sortMapped(JobContext context, FileChannel channel, long position, long length, String kind, Path output) throws Exception {
        if (length > MAX_INPUT_BYTES) {
            throw new NonRetryableJobException("payload field 'input': a part of " + length + " bytes, over the cap of " + MAX_INPUT_BYTES
                    + " a part: split it in more parts");
        }
        ComputePool pool = context.compute();
        // Mapped, not read into the heap: the page cache holds the text, the heap only the parsed items.
        MappedByteBuffer text = channel.map(FileChannel.MapMode.READ_ONLY, position, length);
        SortInput sortInput = new SortInput(text, "input");
        long lines = sortInput.lines(pool);
        if (lines > MAX_ITEMS) {
            throw new NonRetryableJobException("payload field 'input': the file has " + lines + " lines, over the cap of " + MAX_ITEMS);
        }
        long size = length;
        requireHeap(kind.equals("numbers") ? lines * BYTES_PER_NUMBER : size + lines * BYTES_PER_LINE);
        List<int[]> segments = sortInput.segments(pool.parallelism());
        Progress progress = new Progress(context, lines, ParallelMerge.rounds(segments.size()));
        Sorted sorted;
        if (kind.equals("numbers")) {
            List<long[]> runs = pool.map(segments, segment -> {
                long[] run = sortInput.sortedNumbers(segment, expectedLines(segment, lines, size));
                progress.add(segment, lines, size);
                return run;
            });
            long[] numbers = ParallelMerge.numbers(runs, pool, progress::add);
            sorted = new Sorted(SortOutput.numbers(numbers, output, pool, progress::add), numbers.length, minMax(numbers));
        } else {
            List<byte[][]> runs = pool.map(segments, segment -> {
                byte[][] run = sortInput.sortedLines(segment, expectedLines(segment, lines, size));
                progress.add(segment, lines, size);
                return run;
            });
            byte[][] all = ParallelMerge.lines(runs, pool, progress::add);
            sorted = new Sorted(SortOutput.lines(all, output, pool, progress::add), all.length, null);
        }
        progress.finish();
        return sorted;
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
