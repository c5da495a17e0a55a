package io.conveyor.worker.handlers;

import io.conveyor.handler.ComputePool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * Writes the sorted items of a {@code sort} job, one per line, to a temporary file beside the output, which is flushed
 * to disk and then moved into place: a reader sees the old file or the whole new one, and a job that succeeded has its
 * output on disk. The items are turned into text in parallel, a wave of blocks at a time (so the text of the whole
 * output is never in memory at once), while a writer thread writes the previous wave, so that the file's writing and
 * flushing overlap the formatting instead of adding to it.
 */
final class SortOutput {

    static final int BLOCK_ITEMS = 1 << 16;
    /** How much is written between flushes to disk, so that the disk works while the next waves are formatted. */
    private static final long FLUSH_BYTES = 64L << 20;
    /** Longest decimal {@code long} and its newline. */
    private static final int MAX_NUMBER_BYTES = 21;
    private static final byte[] MIN_VALUE = Long.toString(Long.MIN_VALUE).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** "00", "01", ... "99". */
    private static final byte[] DIGIT_PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    /** What was written: its size and its CRC32C. */
    record Written(long bytes, long crc32c) {
    }

    /** Text of items {@code [from, to)}, in {@code buffer} if it is big enough (it may be null). */
    @FunctionalInterface
    interface BlockText {
        Text of(int from, int to, byte[] buffer);
    }

    /** The first {@code length} bytes of {@code bytes}. */
    record Text(byte[] bytes, int length) {
    }

    /** A block of items and the buffer slot its text goes to. */
    private record Block(int from, int to, int slot) {
    }

    private SortOutput() {
    }

    static Written numbers(long[] values, Path output, ComputePool pool, LongConsumer progress) throws IOException, InterruptedException {
        return write(values.length, (from, to, buffer) -> numberText(values, from, to, buffer), output, pool, progress);
    }

    static Written lines(byte[][] lines, Path output, ComputePool pool, LongConsumer progress) throws IOException, InterruptedException {
        return write(lines.length, (from, to, buffer) -> lineText(lines, from, to, buffer), output, pool, progress);
    }

    private static Written write(int items, BlockText blockText, Path output, ComputePool pool, LongConsumer progress)
            throws IOException, InterruptedException {
        int blocksPerWave = pool.parallelism() * 2;
        // Two sets of buffers: the writer writes one wave's while the pool fills the next one's.
        byte[][][] buffers = {new byte[blocksPerWave][], new byte[blocksPerWave][]};
        CRC32C crc = new CRC32C();
        long[] written = new long[2]; // bytes in all, bytes since the last flush: only the writer thread touches them
        ExecutorService writer = Executors.newSingleThreadExecutor(task -> Thread.ofPlatform().name("conveyor-sort-writer").daemon().unstarted(task));
        return AtomicFile.replace(output, temporary -> {
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                Future<?> writing = CompletableFuture.completedFuture(null);
                int wave = 0;
                for (int waveStart = 0; waveStart < items; waveStart += BLOCK_ITEMS * blocksPerWave, wave++) {
                    byte[][] slots = buffers[wave % 2];
                    List<Block> blocks = new ArrayList<>();
                    for (int from = waveStart, slot = 0; from < items && slot < blocksPerWave; from += BLOCK_ITEMS, slot++) {
                        blocks.add(new Block(from, Math.min(items, from + BLOCK_ITEMS), slot));
                    }
                    List<Text> texts = pool.map(blocks, block -> blockText.of(block.from(), block.to(), slots[block.slot()]));
                    for (int b = 0; b < texts.size(); b++) {
                        slots[b] = texts.get(b).bytes();
                    }
                    await(writing);
                    writing = writer.submit(() -> {
                        for (int b = 0; b < texts.size(); b++) {
                            Text text = texts.get(b);
                            crc.update(text.bytes(), 0, text.length());
                            ByteBuffer buffer = ByteBuffer.wrap(text.bytes(), 0, text.length());
                            while (buffer.hasRemaining()) {
                                channel.write(buffer);
                            }
                            written[0] += text.length();
                            written[1] += text.length();
                            progress.accept(blocks.get(b).to() - blocks.get(b).from());
                        }
                        if (written[1] >= FLUSH_BYTES) {
                            channel.force(false);
                            written[1] = 0;
                        }
                        return null;
                    });
                }
                await(writing);
                channel.force(true);
                return new Written(written[0], crc.getValue());
            } finally {
                writer.shutdownNow();
            }
        });
    }

    /** Waits for the writer's last wave, rethrowing what it threw. */
    private static void await(Future<?> writing) throws IOException, InterruptedException {
        try {
            writing.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("writing the sorted output failed", e.getCause());
        }
    }

    static Text numberText(long[] values, int from, int to, byte[] buffer) {
        int most = (to - from) * MAX_NUMBER_BYTES;
        byte[] bytes = buffer != null && buffer.length >= most ? buffer : new byte[most];
        int at = 0;
        for (int i = from; i < to; i++) {
            at = putNumber(values[i], bytes, at);
            bytes[at++] = '\n';
        }
        return new Text(bytes, at);
    }

    /** Writes {@code value} in decimal at {@code at}; returns where it ends. */
    static int putNumber(long value, byte[] bytes, int at) {
        if (value == Long.MIN_VALUE) {
            System.arraycopy(MIN_VALUE, 0, bytes, at, MIN_VALUE.length);
            return at + MIN_VALUE.length;
        }
        if (value < 0) {
            bytes[at++] = '-';
            value = -value;
        }
        int digits = 1;
        for (long bound = 10; digits < 19 && value >= bound; bound *= 10) {
            digits++;
        }
        int end = at + digits;
        int i = end;
        // Two digits per division: formatting is most of the time a sort spends writing its output.
        while (value >= 100) {
            int pair = (int) (value % 100) * 2;
            value /= 100;
            bytes[--i] = DIGIT_PAIRS[pair + 1];
            bytes[--i] = DIGIT_PAIRS[pair];
        }
        if (value >= 10) {
            bytes[--i] = DIGIT_PAIRS[(int) value * 2 + 1];
            bytes[--i] = DIGIT_PAIRS[(int) value * 2];
        } else {
            bytes[--i] = (byte) ('0' + value);
        }
        return end;
    }

    static Text lineText(byte[][] lines, int from, int to, byte[] buffer) {
        int length = 0;
        for (int i = from; i < to; i++) {
            length += lines[i].length + 1;
        }
        byte[] bytes = buffer != null && buffer.length >= length ? buffer : new byte[length];
        int at = 0;
        for (int i = from; i < to; i++) {
            System.arraycopy(lines[i], 0, bytes, at, lines[i].length);
            at += lines[i].length;
            bytes[at++] = '\n';
        }
        return new Text(bytes, at);
    }
}
