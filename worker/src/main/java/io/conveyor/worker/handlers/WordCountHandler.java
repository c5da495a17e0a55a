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

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * {@code word-count} {@code {"dir": d, "top": k}}: the k most frequent words (default 10, at most 1000) over every file
 * under d, read as UTF-8. A word is a run of letters and digits ({@link Character#isLetterOrDigit(char)}), lower-cased;
 * ties are broken alphabetically. Files are counted in parallel and their counts merged in a parallel reduction;
 * progress counts the bytes of finished files.
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
        String dir = Payloads.stringField(context.payload(), "dir");
        int top = Payloads.intField(context.payload(), "top", 1, MAX_TOP, 10);
        List<DataFile> files = context.data().filesUnder("dir", dir);
        ProgressCounter progress = context.progressCounter(files.stream().mapToLong(DataFile::size).sum());
        List<Map<String, long[]>> perFile = context.compute().forEachFile(files, file -> {
            Map<String, long[]> counts = countWords(file.path());
            progress.add(file.size());
            return counts;
        });
        Map<String, long[]> counts = context.compute().reduce(perFile, new HashMap<>(), WordCountHandler::merge);

        long words = 0;
        for (long[] count : counts.values()) {
            words += count[0];
        }
        ObjectNode result = Json.MAPPER.createObjectNode()
                .put("dir", dir)
                .put("files", files.size())
                .put("words", words)
                .put("distinct", counts.size());
        ArrayNode topWords = result.putArray("top");
        for (Map.Entry<String, long[]> entry : mostFrequent(counts, top)) {
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
