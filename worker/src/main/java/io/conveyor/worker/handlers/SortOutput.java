package io.conveyor.worker.handlers;

import io.conveyor.common.ComputePool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;

/**
 * Writes the sorted items of a {@code sort} job, one per line: blocks of items are turned into text in parallel, a wave
 * of blocks at a time (so the text of the whole output is never in memory at once), and written in order to a
 * temporary file beside the output, which is flushed to disk and then moved into place. So a reader sees the old file
 * or the whole new one, and a job that succeeded has its output on disk.
 */
final class SortOutput {

    static final int BLOCK_ITEMS = 1 << 16;
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

    /** Text of items {@code [from, to)}. */
    @FunctionalInterface
    interface BlockText {
        Text of(int from, int to);
    }

    /** The first {@code length} bytes of {@code bytes}. */
    record Text(byte[] bytes, int length) {
    }

    private SortOutput() {
    }

    static Written numbers(long[] values, Path output, ComputePool pool, LongConsumer progress) throws IOException, InterruptedException {
        return write(values.length, (from, to) -> numberText(values, from, to), output, pool, progress);
    }

    static Written lines(byte[][] lines, Path output, ComputePool pool, LongConsumer progress) throws IOException, InterruptedException {
        return write(lines.length, (from, to) -> lineText(lines, from, to), output, pool, progress);
    }

    private static Written write(int items, BlockText blockText, Path output, ComputePool pool, LongConsumer progress)
            throws IOException, InterruptedException {
        Path temporary = Files.createTempFile(output.getParent(), "." + output.getFileName() + ".", ".tmp");
        try {
            CRC32C crc = new CRC32C();
            long bytes = 0;
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                int wave = BLOCK_ITEMS * pool.parallelism() * 2;
                for (int waveStart = 0; waveStart < items; waveStart += wave) {
                    List<int[]> blocks = new ArrayList<>();
                    for (int from = waveStart; from < Math.min(items, waveStart + wave); from += BLOCK_ITEMS) {
                        blocks.add(new int[]{from, Math.min(items, from + BLOCK_ITEMS)});
                    }
                    List<Text> texts = pool.map(blocks, block -> blockText.of(block[0], block[1]));
                    for (int b = 0; b < texts.size(); b++) {
                        Text text = texts.get(b);
                        crc.update(text.bytes(), 0, text.length());
                        ByteBuffer buffer = ByteBuffer.wrap(text.bytes(), 0, text.length());
                        while (buffer.hasRemaining()) {
                            channel.write(buffer);
                        }
                        bytes += text.length();
                        progress.accept(blocks.get(b)[1] - blocks.get(b)[0]);
                    }
                }
                channel.force(true);
            }
            Files.move(temporary, output, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new Written(bytes, crc.getValue());
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    static Text numberText(long[] values, int from, int to) {
        byte[] bytes = new byte[(to - from) * MAX_NUMBER_BYTES];
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

    static Text lineText(byte[][] lines, int from, int to) {
        int length = 0;
        for (int i = from; i < to; i++) {
            length += lines[i].length + 1;
        }
        byte[] bytes = new byte[length];
        int at = 0;
        for (int i = from; i < to; i++) {
            System.arraycopy(lines[i], 0, bytes, at, lines[i].length);
            at += lines[i].length;
            bytes[at++] = '\n';
        }
        return new Text(bytes, at);
    }
}
