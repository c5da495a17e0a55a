package io.conveyor.bench;

import io.conveyor.handler.ForkJoinComputePool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The inputs of {@code bench-compute}, generated from fixed seeds under one directory: random binary files, text files
 * with a skewed vocabulary (like prose: a few words everywhere, most words rare), and a file of numbers. Each file is
 * flushed to disk when written, so that write-back does not run during the timed runs.
 */
final class BenchInputs {

    static final String BLOBS = "blobs";
    static final String TEXT = "text";
    /** The first quarter of the text files: regular expressions are slower than counting words. */
    static final String TEXT_QUARTER = "text/q1";
    static final String NUMBERS = "numbers.txt";
    private static final String[] SYLLABLES = {"con", "vey", "or", "job", "work", "er", "pro", "cess", "da", "ta", "queue",
            "thread", "core", "pool", "ledger", "kaf", "ka", "run", "time", "file", "hash", "sort", "word", "search"};

    private final Path dir;
    private final ForkJoinComputePool pool;

    BenchInputs(Path dir, ForkJoinComputePool pool) {
        this.dir = dir;
        this.pool = pool;
    }

    Path path(String name) {
        return dir.resolve(name);
    }

    /** {@code files} files of random bytes, of uneven sizes adding up to about {@code totalBytes}. */
    void blobs(int files, long totalBytes) throws IOException, InterruptedException {
        Path blobs = Files.createDirectories(dir.resolve(BLOBS));
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            indexes.add(i);
        }
        pool.map(indexes, i -> {
            // Sizes from 0.5x to 1.5x the mean: the pool must balance uneven files.
            long size = (long) (totalBytes / files * (0.5 + (i * 0.618034) % 1.0));
            SplittableRandom random = new SplittableRandom(i);
            byte[] chunk = new byte[1 << 20];
            try (FileChannel out = FileChannel.open(blobs.resolve("blob-" + i + ".bin"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                for (long written = 0; written < size; written += chunk.length) {
                    random.nextBytes(chunk);
                    write(out, chunk, (int) Math.min(chunk.length, size - written));
                }
                out.force(true);
            }
            return size;
        });
    }

    /**
     * {@code files} text files of about {@code totalBytes} together, lines of words from a skewed vocabulary, in four
     * subdirectories {@code q1} to {@code q4}.
     */
    void text(int files, long totalBytes) throws IOException, InterruptedException {
        Path text = Files.createDirectories(dir.resolve(TEXT));
        String[] vocabulary = vocabulary(20_000);
        List<Integer> indexes = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            indexes.add(i);
        }
        pool.map(indexes, i -> {
            SplittableRandom random = new SplittableRandom(1_000 + i);
            StringBuilder content = new StringBuilder();
            long size = totalBytes / files;
            while (content.length() < size) {
                int lineLength = 40 + random.nextInt(80);
                int start = content.length();
                while (content.length() - start < lineLength) {
                    double skewed = Math.pow(random.nextDouble(), 4); // most draws land on the first words
                    content.append(vocabulary[(int) (skewed * vocabulary.length)]).append(random.nextInt(9) == 0 ? ", " : " ");
                }
                content.append(random.nextInt(50) == 0 ? "TODO: check this\n" : "\n");
            }
            Path quarter = Files.createDirectories(text.resolve("q" + (1 + i * 4 / files)));
            try (FileChannel out = FileChannel.open(quarter.resolve("part-" + i + ".txt"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] bytes = content.toString().getBytes(StandardCharsets.UTF_8);
                write(out, bytes, bytes.length);
                out.force(true);
            }
            return size;
        });
    }

    /** {@code count} random whole numbers, one per line. */
    void numbers(long count) throws IOException {
        SplittableRandom random = new SplittableRandom(2026);
        try (FileChannel out = FileChannel.open(dir.resolve(NUMBERS), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            StringBuilder lines = new StringBuilder();
            for (long i = 0; i < count; i++) {
                lines.append(random.nextLong()).append('\n');
                if (lines.length() > (1 << 20) || i == count - 1) {
                    byte[] bytes = lines.toString().getBytes(StandardCharsets.US_ASCII);
                    write(out, bytes, bytes.length);
                    lines.setLength(0);
                }
            }
            out.force(true);
        }
    }

    private static String[] vocabulary(int size) {
        SplittableRandom random = new SplittableRandom(99);
        String[] words = new String[size];
        for (int w = 0; w < size; w++) {
            StringBuilder word = new StringBuilder();
            for (int s = 0, syllables = 1 + random.nextInt(3); s < syllables; s++) {
                word.append(SYLLABLES[random.nextInt(SYLLABLES.length)]);
            }
            words[w] = word.toString();
        }
        return words;
    }

    private static void write(FileChannel out, byte[] bytes, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, length);
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
