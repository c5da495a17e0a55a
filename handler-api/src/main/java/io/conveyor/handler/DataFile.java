package io.conveyor.handler;

import java.nio.file.Path;

/**
 * A regular file under the data root, as {@link DataRoot#filesUnder} lists it.
 *
 * @param path     where to read it (absolute, inside the data root)
 * @param relative its path relative to the listed directory, with {@code /} between names: how results name it
 * @param size     its size in bytes when it was listed
 */
public record DataFile(Path path, String relative, long size) {
}
