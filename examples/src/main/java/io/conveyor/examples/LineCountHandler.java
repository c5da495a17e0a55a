package io.conveyor.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.handler.DataFile;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.Json;
import io.conveyor.handler.NonRetryableJobException;
import io.conveyor.handler.ProgressCounter;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;

/**
 * {@code line-count} {@code {"dir": d}}: counts the lines of every file under d on the worker's compute pool, and names
 * the longest file. An example of a job type of your own, in a jar of its own.
 */
public final class LineCountHandler implements JobHandler {

    @Override
    public String type() {
        return "line-count";
    }

    @Override
    public JsonNode handle(JobContext context) throws Exception {
        JsonNode dir = context.payload().get("dir");
        if (dir == null || !dir.isTextual()) {
            throw new NonRetryableJobException("payload field 'dir' must name a directory under the data root");
        }
        // The data root refuses paths that lead outside it; the compute pool counts the files in parallel.
        List<DataFile> files = context.data().filesUnder("dir", dir.asText());
        ProgressCounter progress = context.progressCounter(files.size());
        List<Long> lines = context.compute().forEachFile(files, file -> {
            long count = countLines(file);
            progress.add(1);
            return count;
        });

        int longest = -1;
        for (int i = 0; i < files.size(); i++) {
            longest = longest < 0 || lines.get(i) > lines.get(longest) ? i : longest;
        }
        ObjectNode result = Json.MAPPER.createObjectNode()
                .put("files", files.size())
                .put("lines", lines.stream().mapToLong(Long::longValue).sum());
        if (longest >= 0) {
            result.putObject("longest").put("path", files.get(longest).relative()).put("lines", lines.get(longest));
        }
        return result;
    }

    private static long countLines(DataFile file) throws IOException {
        // ISO-8859-1 decodes any byte, so a file that is not valid text still has its lines counted.
        try (BufferedReader reader = Files.newBufferedReader(file.path(), StandardCharsets.ISO_8859_1)) {
            return reader.lines().count();
        }
    }
}
