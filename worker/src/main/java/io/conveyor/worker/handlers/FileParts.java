package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.handler.DataFile;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.NonRetryableJobException;
import io.conveyor.handler.Payloads;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a job over the files under {@code "dir"} ({@code hash-files}, {@code word-count}): contiguous ranges
 * of the files in path order, of about equal bytes, each named by {@code "files": {"from", "to", "of"}} (indexes into
 * the sorted list, and its length, so that a part finds its share again and notices a directory that changed).
 */
final class FileParts {

    private FileParts() {
    }

    static List<ObjectNode> of(JobContext context, ObjectNode payload, int n) throws IOException {
        List<DataFile> files = context.data().filesUnder("dir", Payloads.stringField(payload, "dir"));
        long[] sizes = files.stream().mapToLong(DataFile::size).toArray();
        List<ObjectNode> parts = new ArrayList<>();
        for (int[] group : SplitWork.contiguousGroups(sizes, n)) {
            ObjectNode part = payload.deepCopy();
            part.putObject("files").put("from", group[0]).put("to", group[1]).put("of", files.size());
            parts.add(part);
        }
        return parts;
    }

    /** The files of one part. */
    static List<DataFile> filesOf(JobContext context, ObjectNode payload) throws IOException {
        List<DataFile> files = context.data().filesUnder("dir", Payloads.stringField(payload, "dir"));
        ObjectNode range = payload.path("files") instanceof ObjectNode object ? object : null;
        if (range == null) {
            throw new NonRetryableJobException("payload field 'files' must name the part's files: {\"from\", \"to\", \"of\"}");
        }
        int of = Payloads.intField(range, "of", 0, Integer.MAX_VALUE, -1);
        if (of != files.size()) {
            throw new NonRetryableJobException("the directory in payload field 'dir' has " + files.size() + " files, " + of
                    + " when the job was split: it changed meanwhile");
        }
        int from = Payloads.intField(range, "from", 0, of, 0);
        int to = Payloads.intField(range, "to", from, of, of);
        return files.subList(from, to);
    }
}
