package io.conveyor.worker.handlers;

import io.conveyor.handler.Payloads;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.conveyor.handler.DataFile;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.Json;
import io.conveyor.handler.NonRetryableJobException;
import io.conveyor.handler.ProgressCounter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code search} {@code {"dir": d, "literal": s}} or {@code {"dir": d, "regex": r}}: counts the matches in every file
 * under d (read as UTF-8, line by line; a match never spans lines), files searched in parallel, and returns the first
 * matching locations (the first match of each matching line) in path and line order. Regular expressions use RE2 syntax (RE2/J), which matches in time linear in
 * the input: no pattern can make a worker backtrack for hours. Progress counts the bytes of finished files.
 */
public final class SearchHandler implements JobHandler {

    public static final int MAX_PATTERN_LENGTH = 1000;
    public static final int MAX_LOCATIONS = 100;
    /** How much of a matching line a location shows. */
    static final int LOCATION_TEXT_CHARS = 160;

    @Override
    public String type() {
        return "search";
    }

    @Override
    public JsonNode handle(JobContext context) throws Exception {
        ObjectNode payload = context.payload();
        String dir = Payloads.stringField(payload, "dir");
        Matching matching = matching(payload);
        int maxLocations = Payloads.intField(payload, "locations", 0, MAX_LOCATIONS, 10);
        List<DataFile> files = context.data().filesUnder("dir", dir);
        ProgressCounter progress = context.progressCounter(files.stream().mapToLong(DataFile::size).sum());
        List<FileMatches> perFile = context.compute().forEachFile(files, file -> {
            FileMatches matches = search(file, matching, maxLocations);
            progress.add(file.size());
            return matches;
        });

        long matches = 0;
        int filesWithMatches = 0;
        List<Location> locations = new ArrayList<>();
        for (FileMatches file : perFile) {
            matches += file.count();
            filesWithMatches += file.count() > 0 ? 1 : 0;
            file.locations().stream().limit(maxLocations - locations.size()).forEach(locations::add);
        }
        ObjectNode result = Json.MAPPER.createObjectNode()
                .put("dir", dir)
                .put("files", files.size())
                .put("filesWithMatches", filesWithMatches)
                .put("matches", matches);
        ArrayNode shown = result.putArray("locations");
        for (Location location : locations) {
            shown.addObject().put("path", location.path()).put("line", location.line()).put("column", location.column()).put("text", location.text());
        }
        return result;
    }

    /** How to find matches in one line: a plain substring search for a case-sensitive literal, RE2 otherwise. */
    sealed interface Matching permits Literal, Regex {
    }

    record Literal(String text) implements Matching {
    }

    record Regex(Pattern pattern) implements Matching {
    }

    static Matching matching(ObjectNode payload) {
        Optional<String> literal = Payloads.optionalString(payload, "literal");
        Optional<String> regex = Payloads.optionalString(payload, "regex");
        boolean ignoreCase = Payloads.booleanField(payload, "ignoreCase", false);
        if (literal.isPresent() == regex.isPresent()) {
            throw new NonRetryableJobException("payload must have exactly one of 'literal' and 'regex'");
        }
        String field = literal.isPresent() ? "literal" : "regex";
        String text = literal.orElseGet(regex::get);
        if (text.length() > MAX_PATTERN_LENGTH) {
            throw new NonRetryableJobException("payload field '" + field + "' must be at most " + MAX_PATTERN_LENGTH + " characters");
        }
        if (literal.isPresent() && !ignoreCase) {
            return new Literal(text);
        }
        try {
            return new Regex(Pattern.compile(literal.isPresent() ? Pattern.quote(text) : text, ignoreCase ? Pattern.CASE_INSENSITIVE : 0));
        } catch (PatternSyntaxException e) {
            throw new NonRetryableJobException("payload field 'regex' is not a valid RE2 regular expression: " + e.getMessage());
        }
    }

    /** The matches in one file: how many, and the first few. */
    record FileMatches(long count, List<Location> locations) {
    }

    /** Where a match starts: line and column are 1-based, the column counted in UTF-16 characters. */
    record Location(String path, long line, long column, String text) {
    }

    static FileMatches search(DataFile file, Matching matching, int maxLocations) throws IOException {
        long count = 0;
        List<Location> locations = new ArrayList<>();
        Matcher matcher = matching instanceof Regex(Pattern pattern) ? pattern.matcher("") : null;
        try (LineReader lines = new LineReader(file.path())) {
            String line;
            while ((line = lines.next()) != null) {
                int found = -1;
                int inLine = 0;
                if (matching instanceof Literal(String literal)) {
                    for (int at = line.indexOf(literal); at >= 0; at = line.indexOf(literal, at + literal.length())) {
                        found = inLine++ == 0 ? at : found;
                    }
                } else {
                    matcher.reset(line);
                    while (matcher.find()) {
                        found = inLine++ == 0 ? matcher.start() : found;
                    }
                }
                count += inLine;
                if (inLine > 0 && locations.size() < maxLocations) {
                    locations.add(new Location(file.relative(), lines.lineNumber(), lines.pieceOffset() + found + 1, excerpt(line)));
                }
            }
        }
        return new FileMatches(count, locations);
    }

    private static String excerpt(String line) {
        return line.length() <= LOCATION_TEXT_CHARS ? line : line.substring(0, LOCATION_TEXT_CHARS) + "…";
    }
}
