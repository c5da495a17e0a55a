package io.conveyor.worker.handlers;

import io.conveyor.handler.Payloads;
import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.DataFile;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.Json;
import io.conveyor.handler.ProgressCounter;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code hash-files} {@code {"dir": d}}: the SHA-256 of every file under d, files hashed in parallel on the compute
 * pool. The result's {@code digest} is the SHA-256 of the manifest that {@code sha256sum} prints for those files, one
 * line {@code <hex>  <path>} per file sorted by path, so it does not depend on which thread hashed what; progress
 * counts bytes. With {@code "split": n} the files are shared out in up to n parts (by {@link FileParts}) that run on
 * any workers, and merged by digesting the parts' manifests in order ({@link SplitWork}): the same result.
 */
public final class HashFilesHandler implements JobHandler {

    private static final int BUFFER_BYTES = 256 * 1024;

    @Override
    public String type() {
        return "hash-files";
    }

    @Override
    public JsonNode handle(JobContext context) throws Exception {
        return SplitWork.handle(context, SPLITTABLE);
    }

    private static final SplitWork.Splittable SPLITTABLE = new SplitWork.Splittable() {
        @Override
        public String type() {
            return "hash-files";
        }

        @Override
        public JsonNode whole(JobContext context) throws Exception {
            String dir = Payloads.stringField(context.payload(), "dir");
            List<DataFile> files = context.data().filesUnder("dir", dir);
            MessageDigest manifest = sha256();
            long bytes = hashInto(context, files, line -> manifest.update(line));
            return result(dir, files.size(), bytes, manifest);
        }

        @Override
        public List<ObjectNode> parts(JobContext context, ObjectNode payload, int n) throws IOException {
            return FileParts.of(context, payload, n);
        }

        /** Hashes the part's files; its manifest lines go to the scratch file, in path order. */
        @Override
        public JsonNode part(JobContext context, ObjectNode payload, Path scratch) throws Exception {
            List<DataFile> files = FileParts.filesOf(context, payload);
            long bytes = AtomicFile.replace(scratch, temporary -> {
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(temporary))) {
                    return hashInto(context, files, line -> {
                        try {
                            out.write(line);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
                }
            });
            return Json.MAPPER.createObjectNode().put("files", files.size()).put("bytes", bytes);
        }

        /** The digest of the whole manifest: the parts' manifests, one after another. */
        @Override
        public JsonNode merge(JobContext context, ObjectNode payload, List<SplitWork.Part> parts) throws IOException {
            MessageDigest manifest = sha256();
            long files = 0;
            long bytes = 0;
            for (SplitWork.Part part : parts) {
                manifest.update(Files.readAllBytes(part.scratch()));
                files += part.result().path("files").asLong();
                bytes += part.result().path("bytes").asLong();
            }
            return result(Payloads.stringField(payload, "dir"), files, bytes, manifest);
        }
    };

    /** Hashes the files in parallel; hands each file's manifest line to {@code manifest}, in path order; returns the bytes read. */
    private static long hashInto(JobContext context, List<DataFile> files, Consumer<byte[]> manifest) throws Exception {
        ProgressCounter progress = context.progressCounter(files.stream().mapToLong(DataFile::size).sum());
        List<FileDigest> digests = context.compute().forEachFile(files, file -> hash(file.path(), progress));
        long bytes = 0;
        for (int i = 0; i < files.size(); i++) {
            FileDigest digest = digests.get(i);
            manifest.accept((digest.hex() + "  " + files.get(i).relative() + "\n").getBytes(StandardCharsets.UTF_8));
            bytes += digest.bytes();
        }
        return bytes;
    }

    private static JsonNode result(String dir, long files, long bytes, MessageDigest manifest) {
        return Json.MAPPER.createObjectNode()
                .put("dir", dir)
                .put("files", files)
                .put("bytes", bytes)
                .put("digest", HexFormat.of().formatHex(manifest.digest()));
    }

    /** The SHA-256 of one file and how many bytes it had when read. */
    record FileDigest(String hex, long bytes) {
    }

    static FileDigest hash(Path file, ProgressCounter progress) throws IOException {
        MessageDigest digest = sha256();
        byte[] buffer = new byte[BUFFER_BYTES];
        long bytes = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int read;
            while ((read = in.read(buffer)) != -1) {
                digest.update(buffer, 0, read);
                bytes += read;
                progress.add(read);
            }
        }
        return new FileDigest(HexFormat.of().formatHex(digest.digest()), bytes);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
