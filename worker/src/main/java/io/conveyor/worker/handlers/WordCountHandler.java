package io.conveyor.worker.handlers;

import io.conveyor.handler.Payloads;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.handler.DataFile;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.Json;
import io.conveyor.handler.ProgressCounter;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * {@code word-count} {@code {"dir": d, "top": k}}: the k most frequent words (default 10, at most 1000) over every file
 * under d, read as UTF-8. A word is a run of letters and digits ({@link Character#isLetterOrDigit(char)}), lower-cased;
 * ties are broken alphabetically. Files are counted in parallel and their counts merged in a parallel reduction;
 * progress counts the bytes of finished files. With {@code "split": n} the files are shared out in up to n parts
 * ({@link FileParts}) that run on any workers, each writing all its counts sorted by word; the merge ({@link SplitWork})
 * adds them up word by word: the same result.
 */
public final class WordCountHandler implements JobHandler {

    public static final int MAX_TOP = 1000;
    private static final int BUFFER_CHARS = 64 * 1024;
    private static final Comparator<Map.Entry<String, long[]>> MOST_FREQUENT_FIRST =
            Comparator.comparingLong((Map.Entry<String, long[]> entry) -> entry.getValue()[0]).reversed()
                    .thenComparing(Map.Entry::getKey);

    @Override
    public String type() {
        return "word-count";
    }

    @Override
    public JsonNode handle(JobContext context) throws Exception {
        return SplitWork.handle(context, SPLITTABLE);
    }

    private static final SplitWork.Splittable SPLITTABLE = new SplitWork.Splittable() {
        @Override
        public String type() {
            return "word-count";
        }

        @Override
        public JsonNode whole(JobContext context) throws Exception {
            String dir = Payloads.stringField(context.payload(), "dir");
            int top = Payloads.intField(context.payload(), "top", 1, MAX_TOP, 10);
            List<DataFile> files = context.data().filesUnder("dir", dir);
            Map<String, long[]> counts = countAll(context, files);
            long words = 0;
            for (long[] count : counts.values()) {
                words += count[0];
            }
            return result(dir, files.size(), words, counts.size(), mostFrequent(counts, top));
        }

        @Override
        public List<ObjectNode> parts(JobContext context, ObjectNode payload, int n) throws IOException {
            return FileParts.of(context, payload, n);
        }

        /** Counts the part's files; every word and its count go to the scratch file, one per line, in word order. */
        @Override
        public JsonNode part(JobContext context, ObjectNode payload, Path scratch) throws Exception {
            List<DataFile> files = FileParts.filesOf(context, payload);
            Map<String, long[]> counts = countAll(context, files);
            long words = AtomicFile.replace(scratch, temporary -> {
                long written = 0;
                try (Writer out = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                    for (Map.Entry<String, long[]> entry : new TreeMap<>(counts).entrySet()) {
                        out.write(entry.getKey() + "\t" + entry.getValue()[0] + "\n");
                        written += entry.getValue()[0];
                    }
                }
                return written;
            });
            return Json.MAPPER.createObjectNode().put("files", files.size()).put("words", words);
        }

        /** Merges the parts' sorted counts word by word (k-way), keeping only the top k in memory. */
        @Override
        public JsonNode merge(JobContext context, ObjectNode payload, List<SplitWork.Part> parts) throws IOException {
            int top = Payloads.intField(payload, "top", 1, MAX_TOP, 10);
            PriorityQueue<Map.Entry<String, long[]>> kept = new PriorityQueue<>(MOST_FREQUENT_FIRST.reversed());
            long files = 0;
            long words = 0;
            long distinct = 0;
            List<BufferedReader> readers = new ArrayList<>();
            try {
                PriorityQueue<Head> heads = new PriorityQueue<>(Comparator.comparing(Head::word));
                for (SplitWork.Part part : parts) {
                    files += part.result().path("files").asLong();
                    BufferedReader reader = Files.newBufferedReader(part.scratch(), StandardCharsets.UTF_8);
                    readers.add(reader);
                    Head.next(reader).ifPresent(heads::add);
                }
                while (!heads.isEmpty()) {
                    Head head = heads.poll();
                    long count = head.count();
                    Head.next(head.reader()).ifPresent(heads::add);
                    while (!heads.isEmpty() && heads.peek().word().equals(head.word())) {
                        Head same = heads.poll();
                        count += same.count();
                        Head.next(same.reader()).ifPresent(heads::add);
                    }
                    distinct++;
                    words += count;
                    kept.add(Map.entry(head.word(), new long[]{count}));
                    if (kept.size() > top) {
                        kept.poll();
                    }
                }
            } finally {
                for (BufferedReader reader : readers) {
                    reader.close();
                }
            }
            List<Map.Entry<String, long[]>> mostFrequent = new ArrayList<>(kept);
            mostFrequent.sort(MOST_FREQUENT_FIRST);
            return result(Payloads.stringField(payload, "dir"), files, words, distinct, mostFrequent);
        }
    };

    /** The next word of a part's sorted counts, and the reader it came from. */
    private record Head(String word, long count, BufferedReader reader) {
        static Optional<Head> next(BufferedReader reader) throws IOException {
            String line = reader.readLine();
            if (line == null) {
                return Optional.empty();
            }
            int tab = line.indexOf('\t');
            return Optional.of(new Head(line.substring(0, tab), Long.parseLong(line.substring(tab + 1)), reader));
        }
    }

    private static Map<String, long[]> countAll(JobContext context, List<DataFile> files) throws Exception {
        ProgressCounter progress = context.progressCounter(files.stream().mapToLong(DataFile::size).sum());
        List<Map<String, long[]>> perFile = context.compute().forEachFile(files, file -> {
            Map<String, long[]> counts = countWords(file.path());
            progress.add(file.size());
            return counts;
        });
        return context.compute().reduce(perFile, new HashMap<>(), WordCountHandler::merge);
    }

    private static JsonNode result(String dir, long files, long words, long distinct, List<Map.Entry<String, long[]>> mostFrequent) {
        ObjectNode result = Json.MAPPER.createObjectNode()
                .put("dir", dir)
                .put("files", files)
                .put("words", words)
                .put("distinct", distinct);
        ArrayNode topWords = result.putArray("top");
        for (Map.Entry<String, long[]> entry : mostFrequent) {
            topWords.addObject().put("word", entry.getKey()).put("count", entry.getValue()[0]);
        }
        return result;
    }

    /** How often each word occurs in one file. */
    static Map<String, long[]> countWords(Path file) throws IOException {
        Map<String, long[]> counts = new HashMap<>();
        char[] buffer = new char[BUFFER_CHARS];
        StringBuilder carried = new StringBuilder(); // a word cut by the end of the buffer
        try (Reader reader = new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8)) {
            int read;
            while ((read = reader.read(buffer)) != -1) {
                int start = -1;
                for (int i = 0; i < read; i++) {
                    if (Character.isLetterOrDigit(buffer[i])) {
                        if (start < 0) {
                            start = i;
                        }
                    } else if (start >= 0 || !carried.isEmpty()) {
                        count(counts, carried, buffer, start < 0 ? i : start, i);
                        start = -1;
                    }
                }
                if (start >= 0) {
                    carried.append(buffer, start, read - start);
                }
            }
        }
        if (!carried.isEmpty()) {
            count(counts, carried, buffer, 0, 0);
        }
        return counts;
    }

    private static void count(Map<String, long[]> counts, StringBuilder carried, char[] buffer, int from, int to) {
        String word;
        if (carried.isEmpty()) {
            word = new String(buffer, from, to - from);
        } else {
            word = carried.append(buffer, from, to - from).toString();
            carried.setLength(0);
        }
        counts.computeIfAbsent(word.toLowerCase(Locale.ROOT), key -> new long[1])[0]++;
    }

    /** Adds the smaller map's counts into the larger one; both are this job's own partial results. */
    static Map<String, long[]> merge(Map<String, long[]> left, Map<String, long[]> right) {
        Map<String, long[]> into = left.size() >= right.size() ? left : right;
        Map<String, long[]> from = into == left ? right : left;
        from.forEach((word, count) -> into.merge(word, count, (a, b) -> {
            a[0] += b[0];
            return a;
        }));
        return into;
    }

    private static List<Map.Entry<String, long[]>> mostFrequent(Map<String, long[]> counts, int k) {
        PriorityQueue<Map.Entry<String, long[]>> kept = new PriorityQueue<>(MOST_FREQUENT_FIRST.reversed());
        for (Map.Entry<String, long[]> entry : counts.entrySet()) {
            kept.add(entry);
            if (kept.size() > k) {
                kept.poll(); // the least frequent of those kept
            }
        }
        List<Map.Entry<String, long[]>> top = new ArrayList<>(kept);
        top.sort(MOST_FREQUENT_FIRST);
        return top;
    }
}
