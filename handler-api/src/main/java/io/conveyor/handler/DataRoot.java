package io.conveyor.handler;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The one directory under which jobs read and write files ({@code CONVEYOR_DATA_DIR} on the worker). Payloads name
 * files by paths relative to it; a path that leads outside it, by {@code ..}, as an absolute path elsewhere or through
 * a symbolic link, is refused with a {@link NonRetryableJobException} naming the payload field.
 */
public final class DataRoot {

    /** Most files one listing may hold: a job over more would hold an unbounded list in memory. */
    public static final int MAX_FILES = 100_000;

    private final Path root;

    private DataRoot(Path root) {
        this.root = root;
    }

    /** The data root at {@code dir}, created if missing; every check compares real paths, so links in {@code dir} itself are fine. */
    public static DataRoot open(Path dir) throws IOException {
        return new DataRoot(Files.createDirectories(dir).toRealPath());
    }

    /** The root's real, absolute path. */
    public Path path() {
        return root;
    }

    /** The existing regular file that payload field {@code field} names. */
    public Path existingFile(String field, String path) throws IOException {
        Path real = existing(field, path);
        if (!Files.isRegularFile(real)) {
            throw refuse(field, path, "is not a regular file");
        }
        return real;
    }

    /** The existing directory that payload field {@code field} names. */
    public Path existingDirectory(String field, String path) throws IOException {
        Path real = existing(field, path);
        if (!Files.isDirectory(real)) {
            throw refuse(field, path, "is not a directory");
        }
        return real;
    }

    /**
     * Where to write the file that payload field {@code field} names; its directory is created if missing. Write to a
     * temporary file beside it and move that into place, so that an existing link at this path is replaced, never
     * followed.
     */
    public Path fileToWrite(String field, String path) throws IOException {
        Path candidate = inside(field, path);
        if (candidate.equals(root) || candidate.getFileName() == null) {
            throw refuse(field, path, "names the data root itself, not a file");
        }
        if (Files.isDirectory(candidate, LinkOption.NOFOLLOW_LINKS)) {
            throw refuse(field, path, "is a directory");
        }
        Path existingAncestor = candidate.getParent();
        while (!Files.exists(existingAncestor, LinkOption.NOFOLLOW_LINKS)) {
            existingAncestor = existingAncestor.getParent();
        }
        requireInside(field, path, existingAncestor.toRealPath());
        Path directory = Files.createDirectories(candidate.getParent()).toRealPath();
        requireInside(field, path, directory);
        return directory.resolve(candidate.getFileName());
    }

    /**
     * Every regular file under the directory that payload field {@code field} names, at any depth, sorted by their path
     * relative to it. A symbolic link to a file inside the root is listed (under the link's name); a link to a directory
     * is not followed (so each file is counted once); a link that leads outside the root refuses the whole job;
     * special files (pipes, devices) are left out.
     */
    public List<DataFile> filesUnder(String field, String directory) throws IOException {
        Path start = existingDirectory(field, directory);
        List<DataFile> files = new ArrayList<>();
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (attributes.isRegularFile()) {
                    add(file, attributes.size());
                } else if (attributes.isSymbolicLink()) {
                    Path target;
                    try {
                        target = file.toRealPath();
                    } catch (NoSuchFileException e) {
                        return FileVisitResult.CONTINUE; // a dangling link has no content to process
                    }
                    if (!target.startsWith(root)) {
                        throw refuse(field, directory, "holds a symbolic link that leads outside the data root: " + relative(start, file));
                    }
                    if (Files.isRegularFile(target)) {
                        add(file, Files.size(target));
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            private void add(Path file, long size) {
                if (files.size() == MAX_FILES) {
                    throw refuse(field, directory, "holds more than " + MAX_FILES + " files, the most one job may process");
                }
                files.add(new DataFile(file, relative(start, file), size));
            }
        });
        files.sort(Comparator.comparing(DataFile::relative));
        return List.copyOf(files);
    }

    /** {@code file} relative to the root, with {@code /} between names: how results name files. */
    public String relative(Path file) {
        return relative(root, file);
    }

    private Path existing(String field, String path) throws IOException {
        Path candidate = inside(field, path);
        Path real;
        try {
            real = candidate.toRealPath();
        } catch (NoSuchFileException e) {
            throw refuse(field, path, "does not exist under the data root");
        }
        if (!real.startsWith(root)) {
            throw refuse(field, path, "leads outside the data root through a symbolic link");
        }
        return real;
    }

    /** The path a payload names, normalized, refused unless it lies inside the root by its name alone. */
    private Path inside(String field, String path) {
        if (path == null || path.isBlank()) {
            throw new NonRetryableJobException("payload field '" + field + "' must name a path under the data root");
        }
        Path named;
        try {
            named = Path.of(path);
        } catch (InvalidPathException e) {
            throw refuse(field, path, "is not a valid path: " + e.getReason());
        }
        Path candidate = (named.isAbsolute() ? named : root.resolve(named)).normalize();
        if (!candidate.startsWith(root)) {
            throw refuse(field, path, named.isAbsolute() ? "is an absolute path outside the data root" : "leads outside the data root");
        }
        return candidate;
    }

    private void requireInside(String field, String path, Path real) {
        if (!real.startsWith(root)) {
            throw refuse(field, path, "leads outside the data root through a symbolic link");
        }
    }

    private static NonRetryableJobException refuse(String field, String path, String reason) {
        return new NonRetryableJobException("payload field '" + field + "': '" + path + "' " + reason);
    }

    private static String relative(Path base, Path file) {
        Path relative = base.relativize(file);
        List<String> names = new ArrayList<>();
        relative.forEach(name -> names.add(name.toString()));
        return String.join("/", names);
    }
}
