package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.handler.BatchMember;
import io.conveyor.handler.ChildJob;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.Json;
import io.conveyor.handler.NonRetryableJobException;
import io.conveyor.handler.Payloads;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The one way the built-in data types split a job across workers ({@code "split": n} in the payload) and merge it
 * back, on {@link JobContext#fanOut}:
 * <ol>
 * <li>the client's job (the parent) asks its type for up to n parts ({@link Splittable#parts}: each the payload of one
 *     share, such as a range of files or of bytes) and fans them out as jobs of its own type, each payload marked
 *     {@code "splitPart": {"of": parent, "index": i}}, with a merge job of its own type, marked
 *     {@code "splitMerge": {"of": parent, "parts": k}}, as the continuation;</li>
 * <li>each part ({@link Splittable#part}) runs on whichever worker claims it, writes its bulky intermediate output to
 *     its scratch file under the data root ({@code .conveyor-split/<parent>/part-<i>}, written whole or not at all, so a
 *     re-run part rewrites it) and returns a small result, to which the index is added;</li>
 * <li>the merge ({@link Splittable#merge}) reads the parts' results (in index order) and scratch files and returns the
 *     result an unsplit run of the same payload would, plus {@code "parts"}; then the scratch directory is removed.</li>
 * </ol>
 * The client keeps its one id: its {@code GET /jobs/{id}} shows the merge's state and result (the fan-out's
 * continuation). Workers that run parts and merges need the same data root (a shared volume), as for any data job.
 */
final class SplitWork {

    static final String SPLIT = "split";
    static final String PART = "splitPart";
    static final String MERGE = "splitMerge";
    static final int MAX_PARTS = 64;
    private static final String SCRATCH = ".conveyor-split";

    /** A data type that can be split: what its parts are, what one part does, how they merge. */
    interface Splittable {

        /** The job type, for the parts and the merge. */
        String type();

        /**
         * At most {@code n} payloads, one per part: the job's payload with what selects the part's share. Fewer (one, or
         * none) when the input is too small to split that many ways; with fewer than two the job runs unsplit.
         */
        List<ObjectNode> parts(JobContext context, ObjectNode payload, int n) throws Exception;

        /** Runs one part: its bulky output goes to {@code scratch} (write it whole or not at all); returns a small result. */
        JsonNode part(JobContext context, ObjectNode partPayload, Path scratch) throws Exception;

        /** The result of the whole, as an unsplit run would give it, from the parts in index order. */
        JsonNode merge(JobContext context, ObjectNode payload, List<Part> parts) throws Exception;

        /** The unsplit run. */
        JsonNode whole(JobContext context) throws Exception;
    }

    /** One part as the merge sees it: its index, its result and its scratch file. */
    record Part(int index, JsonNode result, Path scratch) {
    }

    private SplitWork() {
    }

    /** Runs a job of {@code type}: split, a part, a merge, or whole, as its payload says. */
    static JsonNode handle(JobContext context, Splittable type) throws Exception {
        ObjectNode payload = context.payload();
        if (payload.has(PART)) {
            UUID of = uuid(payload.path(PART).path("of"), PART + ".of");
            int index = Payloads.intField((ObjectNode) payload.get(PART), "index", 0, MAX_PARTS - 1, 0);
            Path scratch = scratch(context, of).resolve("part-" + index);
            Files.createDirectories(scratch.getParent());
            JsonNode result = type.part(context, payload, scratch);
            return ((ObjectNode) result).put("part", index);
        }
        if (payload.has(MERGE)) {
            return merge(context, type, payload);
        }
        int n = Payloads.intField(payload, SPLIT, 1, MAX_PARTS, 1);
        if (n < 2) {
            return type.whole(context);
        }
        List<ObjectNode> parts = type.parts(context, payload, n);
        if (parts.size() < 2) {
            return type.whole(context);
        }
        List<ChildJob> children = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            ObjectNode part = parts.get(i).deepCopy();
            part.remove(SPLIT);
            part.putObject(PART).put("of", context.jobId().toString()).put("index", i);
            children.add(new ChildJob(type.type(), part));
        }
        ObjectNode merge = payload.deepCopy();
        merge.remove(SPLIT);
        merge.putObject(MERGE).put("of", context.jobId().toString()).put("parts", parts.size());
        context.fanOut(children, new ChildJob(type.type(), merge));
        return Json.MAPPER.createObjectNode().put(SPLIT, parts.size());
    }

    private static JsonNode merge(JobContext context, Splittable type, ObjectNode payload) throws Exception {
        UUID of = uuid(payload.path(MERGE).path("of"), MERGE + ".of");
        Path scratch = scratch(context, of);
        List<Part> parts = new ArrayList<>();
        for (BatchMember member : context.batch()) {
            if (!"SUCCEEDED".equals(member.state()) || member.result() == null || !member.result().has("part")) {
                throw new NonRetryableJobException("part " + member.id() + " of the split job " + of + " ended " + member.state() + " without its result");
            }
            int index = member.result().get("part").asInt();
            parts.add(new Part(index, member.result(), scratch.resolve("part-" + index)));
        }
        parts.sort(Comparator.comparingInt(Part::index));
        for (Part part : parts) {
            if (!Files.isRegularFile(part.scratch())) {
                throw new NonRetryableJobException("the output of part " + part.index() + " of the split job " + of + " is gone (" + part.scratch()
                        + "): an earlier attempt of this merge finished and removed it, or the parts ran on workers with another data root");
            }
        }
        ObjectNode original = payload.deepCopy();
        original.remove(MERGE);
        ObjectNode result = (ObjectNode) type.merge(context, original, parts);
        result.put("parts", parts.size());
        removeScratch(scratch);
        return result;
    }

    /** Where the parts of {@code parent} write their outputs: under the data root, so every worker sees them. */
    private static Path scratch(JobContext context, UUID parent) {
        return context.data().path().resolve(SCRATCH).resolve(parent.toString());
    }

    private static void removeScratch(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
        }
        Files.deleteIfExists(directory);
    }

    private static UUID uuid(JsonNode value, String field) {
        try {
            return UUID.fromString(value.asText());
        } catch (IllegalArgumentException e) {
            throw new NonRetryableJobException("payload field '" + field + "' must be a job id");
        }
    }

    /**
     * Cuts {@code sizes} (in order) into at most {@code n} contiguous, non-empty groups of about equal total size;
     * returns each group's {@code [from, to)} indexes. Shared by the types that split by files.
     */
    static List<int[]> contiguousGroups(long[] sizes, int n) {
        long total = 0;
        for (long size : sizes) {
            total += Math.max(1, size);
        }
        List<int[]> groups = new ArrayList<>();
        int from = 0;
        long sum = 0;
        for (int i = 0; i < sizes.length; i++) {
            sum += Math.max(1, sizes[i]);
            boolean last = i == sizes.length - 1;
            if (last || sum * n >= total * (groups.size() + 1) && groups.size() < n - 1) {
                groups.add(new int[]{from, i + 1});
                from = i + 1;
            }
        }
        return groups;
    }
}
