package io.conveyor.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The project's own files (deployment files, docs, poms, sources), found from whichever module directory a test runs in. */
final class ProjectFiles {

    private ProjectFiles() {
    }

    /** The root of the checkout: the nearest directory upwards that holds the Maven wrapper. */
    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve(".mvn"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no project root (a directory with mvnw and .mvn) above " + Path.of("").toAbsolutePath());
    }

    static Path path(String relative) {
        Path path = root().resolve(relative);
        if (!Files.exists(path)) {
            throw new IllegalStateException(relative + " does not exist in " + root());
        }
        return path;
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
