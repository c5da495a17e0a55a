package io.conveyor.worker.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.NonRetryableJobException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HashFilesHandlerTest {

    @TempDir
    Path dataDir;

    @Test
    void theDigestIsTheSha256OfWhatSha256sumPrintsForTheSortedFiles() throws Exception {
        Path dir = Files.createDirectories(dataDir.resolve("docs/sub"));
        Files.writeString(dataDir.resolve("docs/a.txt"), "hello\n");
        Files.write(dataDir.resolve("docs/empty"), new byte[0]);
        Files.writeString(dir.resolve("b.txt"), "nested file\n");

        try (HandlerRunner runner = HandlerRunner.on(dataDir)) {
            JsonNode result = runner.run(new HashFilesHandler(), "{\"dir\":\"docs\"}");

            // cd docs && find . -type f -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum
            assertThat(result.get("digest").asText()).isEqualTo("8114b20daace32923c44d6524177ac345532f6dc7d9f270935942e425faffb68");
            assertThat(result.get("files").asInt()).isEqualTo(3);
            assertThat(result.get("bytes").asLong()).isEqualTo(6 + 12);
            assertThat(runner.lastContext().progressDone()).isEqualTo(18);
            assertThat(runner.lastContext().progressTotal()).isEqualTo(18);
        }
    }

    @Test
    void theDigestDoesNotDependOnHowManyThreadsHashed() throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 40; i++) {
            byte[] bytes = new byte[random.nextInt(300_000)];
            random.nextBytes(bytes);
            Files.write(Files.createDirectories(dataDir.resolve("blobs/" + (i % 4))).resolve("blob-" + i + ".bin"), bytes);
        }
        String payload = "{\"dir\":\"blobs\"}";
        JsonNode alone;
        try (HandlerRunner one = new HandlerRunner(dataDir, 1)) {
            alone = one.run(new HashFilesHandler(), payload);
        }
        try (HandlerRunner four = new HandlerRunner(dataDir, 4)) {
            assertThat(four.run(new HashFilesHandler(), payload)).isEqualTo(alone);
        }
        assertThat(alone.get("files").asInt()).isEqualTo(40);
    }

    @Test
    void anEmptyDirectoryHasTheDigestOfAnEmptyManifest() throws Exception {
        Files.createDirectories(dataDir.resolve("nothing"));
        try (HandlerRunner runner = HandlerRunner.on(dataDir)) {
            JsonNode result = runner.run(new HashFilesHandler(), "{\"dir\":\"nothing\"}");
            assertThat(result.get("files").asInt()).isZero();
            assertThat(result.get("digest").asText()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        }
    }

    @Test
    void refusesADirectoryOutsideTheDataRootOrMissing() throws Exception {
        try (HandlerRunner runner = HandlerRunner.on(dataDir)) {
            assertThatThrownBy(() -> runner.run(new HashFilesHandler(), "{\"dir\":\"../\"}"))
                    .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'dir'").hasMessageContaining("outside the data root");
            assertThatThrownBy(() -> runner.run(new HashFilesHandler(), "{\"dir\":\"/etc\"}"))
                    .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("absolute path outside the data root");
            assertThatThrownBy(() -> runner.run(new HashFilesHandler(), "{\"dir\":\"no-such-dir\"}"))
                    .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("does not exist");
            assertThatThrownBy(() -> runner.run(new HashFilesHandler(), "{}"))
                    .isInstanceOf(NonRetryableJobException.class).hasMessageContaining("'dir' is required");
        }
    }
}
