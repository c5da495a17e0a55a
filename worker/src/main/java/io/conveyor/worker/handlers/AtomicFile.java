package io.conveyor.worker.handlers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file whole or not at all: into a temporary file beside it, then renamed over it in one step. A reader (the
 * client, a merge, a retried attempt) never sees half a file, and a write that fails or is interrupted leaves nothing
 * behind, not even its temporary file.
 */
final class AtomicFile {

    /** What writes the content to the temporary file, and returns what the caller wants to know of it. */
    @FunctionalInterface
    interface Writing<T, E extends Exception> {
        T to(Path temporary) throws IOException, E;
    }

    private AtomicFile() {
    }

    static <T, E extends Exception> T replace(Path target, Writing<T, E> writing) throws IOException, E {
        Path temporary = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName() + ".", ".tmp");
        try {
            T written = writing.to(temporary);
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return written;
        } finally {
            Files.deleteIfExists(temporary);
        }
    }
}
