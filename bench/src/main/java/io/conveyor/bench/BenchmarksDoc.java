package io.conveyor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the benchmark's results into {@code docs/BENCHMARKS.md}: only between its own markers inside the section
 * "Conveyor vs plain JobRunr", so that hand-written text around them and other sections of the file stay as they are.
 */
final class BenchmarksDoc {

    static final String SECTION = "## Conveyor vs plain JobRunr";
    static final String BEGIN = "<!-- conveyor bench: generated from here; `conveyor bench` rewrites it -->";
    static final String END = "<!-- conveyor bench: generated up to here -->";

    private BenchmarksDoc() {
    }

    static void write(Path file, String generated) throws IOException {
        String block = BEGIN + "\n" + generated.strip() + "\n" + END;
        String text = Files.exists(file) ? Files.readString(file) : "# Benchmarks\n";
        Files.writeString(file, replaceBlock(text, block));
    }

    static String replaceBlock(String text, String block) {
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        if (begin >= 0 && end > begin) {
            return text.substring(0, begin) + block + text.substring(end + END.length());
        }
        int section = text.indexOf(SECTION);
        if (section >= 0) {
            int lineEnd = text.indexOf('\n', section);
            int insertAt = lineEnd < 0 ? text.length() : lineEnd + 1;
            return text.substring(0, insertAt) + "\n" + block + "\n" + text.substring(insertAt);
        }
        return text.stripTrailing() + "\n\n" + SECTION + "\n\n" + block + "\n";
    }
}
