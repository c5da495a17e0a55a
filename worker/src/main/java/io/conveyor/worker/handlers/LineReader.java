package io.conveyor.worker.handlers;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a UTF-8 text file line by line (malformed bytes read as U+FFFD) without holding much more than
 * {@link #MAX_LINE_CHARS} of one line: a longer line comes in pieces, so one huge line cannot exhaust the heap.
 */
final class LineReader implements Closeable {

    static final int MAX_LINE_CHARS = 1 << 20;

    private final Reader reader;
    private final int maxLineChars;
    private final char[] buffer = new char[64 * 1024];
    private int position;
    private int limit;
    private long lineNumber;
    private long pieceOffset;
    private long nextPieceOffset;
    private boolean midLine;

    LineReader(Path file) throws IOException {
        this(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8), MAX_LINE_CHARS);
    }

    LineReader(Reader reader, int maxLineChars) {
        this.reader = reader;
        this.maxLineChars = maxLineChars;
    }

    /** The next line, or the next piece of a long line, without its {@code \n} or {@code \r\n}; null at the end. */
    String next() throws IOException {
        StringBuilder piece = null;
        while (true) {
            if (position == limit && !fill()) {
                return piece == null ? null : emit(withoutCarriageReturn(piece.toString()), true);
            }
            for (int i = position; i < limit; i++) {
                if (buffer[i] == '\n') {
                    String text = piece == null ? new String(buffer, position, i - position) : piece.append(buffer, position, i - position).toString();
                    position = i + 1;
                    return emit(withoutCarriageReturn(text), true);
                }
            }
            if (piece == null) {
                piece = new StringBuilder();
            }
            piece.append(buffer, position, limit - position);
            position = limit;
            if (piece.length() >= maxLineChars) {
                return emit(piece.toString(), false);
            }
        }
    }

    /** The number (1-based) of the line that the text last returned belongs to. */
    long lineNumber() {
        return lineNumber;
    }

    /** Where the text last returned starts within its line: 0 except for the later pieces of a long line. */
    long pieceOffset() {
        return pieceOffset;
    }

    private String emit(String text, boolean endsLine) {
        if (midLine) {
            pieceOffset = nextPieceOffset;
        } else {
            lineNumber++;
            pieceOffset = 0;
        }
        nextPieceOffset = pieceOffset + text.length();
        midLine = !endsLine;
        return text;
    }

    private static String withoutCarriageReturn(String text) {
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private boolean fill() throws IOException {
        int read = reader.read(buffer, 0, buffer.length);
        if (read <= 0) {
            return false;
        }
        position = 0;
        limit = read;
        return true;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
