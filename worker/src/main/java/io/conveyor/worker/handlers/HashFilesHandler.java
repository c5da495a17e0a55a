package io.conveyor.worker.handlers;

import io.conveyor.handler.Payloads;
import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.DataFile;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.Json;
import io.conveyor.handler.ProgressCounter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code hash-files} {@code {"dir": d}}: the SHA-256 of every file under d, files hashed in parallel on the compute
 * pool. The result's {@code digest} is the SHA-256 of the manifest that {@code sha256sum} prints for those files, one
 * line {@code <hex>  <path>} per file sorted by path, so it does not depend on which thread hashed what; progress
 * counts bytes.
 */
public final class HashFilesHandler implements JobHandler {

    private static final int BUFFER_BYTES = 256 * 1024;

    @Override
    public String type() {
        return "hash-files";
    }

    @Override
    public JsonNode handle(JobContext context) throws Exception {
        String dir = Payloads.stringField(context.payload(), "dir");
        List<DataFile> files = context.data().filesUnder("dir", dir);
        ProgressCounter progress = context.progressCounter(files.stream().mapToLong(DataFile::size).sum());
        List<FileDigest> digests = context.compute().forEachFile(files, file -> hash(file.path(), progress));

        MessageDigest manifest = sha256();
        long bytes = 0;
        for (int i = 0; i < files.size(); i++) {
            FileDigest digest = digests.get(i);
            manifest.update((digest.hex() + "  " + files.get(i).relative() + "\n").getBytes(StandardCharsets.UTF_8));
            bytes += digest.bytes();
        }
        return Json.MAPPER.createObjectNode()
                .put("dir", dir)
                .put("files", files.size())
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
