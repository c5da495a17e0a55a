package io.conveyor.worker.handlers;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AtomicFileTest {

    @TempDir
    Path dir;

    @Test
    void aWriteReplacesTheFileWholeAndLeavesNoTemporaryFile() throws Exception {
        Path target = dir.resolve("out.txt");
        Files.writeString(target, "old");
        int length = AtomicFile.replace(target, temporary -> {
            assertThat(target).as("the old file stays while the new one is written").hasContent("old");
            Files.writeString(temporary, "new content");
            return 11;
        });
        assertThat(length).isEqualTo(11);
        assertThat(target).hasContent("new content");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }

    @Test
    void aWriteThatFailsLeavesTheOldFileAndNoTemporaryFile() throws Exception {
        Path target = dir.resolve("out.txt");
        Files.writeString(target, "old");
        assertThatThrownBy(() -> AtomicFile.replace(target, temporary -> {
            Files.writeString(temporary, "half");
            throw new InterruptedException("stopped halfway");
        })).isInstanceOf(InterruptedException.class);
        assertThat(target).hasContent("old");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(target);
        }
    }
}
