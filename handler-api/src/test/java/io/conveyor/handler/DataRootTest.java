package io.conveyor.handler;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataRootTest {

    @TempDir
    Path temp;
    private Path rootDir;
    private Path outside;
    private DataRoot root;

    @BeforeEach
    void layOutFiles() throws IOException {
        rootDir = Files.createDirectories(temp.resolve("root"));
        outside = Files.createDirectories(temp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "not yours");
        Files.createDirectories(rootDir.resolve("docs/deep/er"));
        Files.writeString(rootDir.resolve("docs/b.txt"), "b");
        Files.writeString(rootDir.resolve("docs/a.txt"), "aa");
        Files.writeString(rootDir.resolve("docs/deep/er/c.txt"), "ccc");
        root = DataRoot.open(rootDir);
    }

    @Test
    void listsEveryFileUnderADirectorySortedByRelativePath() throws IOException {
        assertThat(root.filesUnder("dir", "docs"))
                .extracting(DataFile::relative, DataFile::size)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("a.txt", 2L),
                        org.assertj.core.groups.Tuple.tuple("b.txt", 1L),
                        org.assertj.core.groups.Tuple.tuple("deep/er/c.txt", 3L));
        assertThat(root.filesUnder("dir", "docs/deep")).extracting(DataFile::relative).containsExactly("er/c.txt");
        assertThat(root.filesUnder("dir", ".")).hasSize(3);
        assertThat(root.filesUnder("dir", rootDir.resolve("docs").toString())).as("an absolute path inside the root").hasSize(3);
    }

    @Test
    void refusesPathsThatLeaveTheRootByName() {
        assertThatThrownBy(() -> root.filesUnder("dir", "../outside")).isInstanceOf(NonRetryableJobException.class)
                .hasMessage("payload field 'dir': '../outside' leads outside the data root");
        assertThatThrownBy(() -> root.existingFile("input", "docs/../../outside/secret.txt")).isInstanceOf(NonRetryableJobException.class)
                .hasMessageContaining("leads outside the data root");
        assertThatThrownBy(() -> root.existingFile("input", outside.resolve("secret.txt").toString())).isInstanceOf(NonRetryableJobException.class)
                .hasMessageContaining("is an absolute path outside the data root");
        assertThatThrownBy(() -> root.fileToWrite("output", "../escape.txt")).isInstanceOf(NonRetryableJobException.class)
                .hasMessageContaining("'output'");
        assertThatThrownBy(() -> root.existingFile("input", "")).isInstanceOf(NonRetryableJobException.class)
                .hasMessageContaining("must name a path");
    }

    @Test
    void refusesSymbolicLinksThatLeadOutside() throws IOException {
        Files.createSymbolicLink(rootDir.resolve("docs/link-out.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(rootDir.resolve("away"), outside);

        assertThatThrownBy(() -> root.existingFile("input", "docs/link-out.txt")).isInstanceOf(NonRetryableJobException.class)
                .hasMessageContaining("through a symbolic link");
        assertThatThrownBy(() -> root.filesUnder("dir", "away")).isInstanceOf(NonRetryableJobException.class)
                .hasMessageContaining("through a symbolic link");
        assertThatThrownBy(() -> root.filesUnder("dir", "docs")).isInstanceOf(NonRetryableJobException.class)
                .hasMessageContaining("symbolic link that leads outside the data root: link-out.txt");
        assertThatThrownBy(() -> root.fileToWrite("output", "away/new/out.txt")).isInstanceOf(NonRetryableJobException.class)
                .hasMessageContaining("through a symbolic link");
        assertThat(outside.resolve("new")).doesNotExist();
    }

    @Test
    void followsLinksToFilesInsideButNotLinksToDirectories() throws IOException {
        Files.createSymbolicLink(rootDir.resolve("docs/alias.txt"), rootDir.resolve("docs/a.txt"));
        Files.createSymbolicLink(rootDir.resolve("docs/loop"), rootDir.resolve("docs"));

        assertThat(root.filesUnder("dir", "docs")).extracting(DataFile::relative)
                .containsExactly("a.txt", "alias.txt", "b.txt", "deep/er/c.txt");
    }

    @Test
    void aMissingPathOrTheWrongKindIsRefusedWithTheReason() {
        assertThatThrownBy(() -> root.filesUnder("dir", "nope")).isInstanceOf(NonRetryableJobException.class)
                .hasMessage("payload field 'dir': 'nope' does not exist under the data root");
        assertThatThrownBy(() -> root.filesUnder("dir", "docs/a.txt")).isInstanceOf(NonRetryableJobException.class)
                .hasMessageContaining("is not a directory");
        assertThatThrownBy(() -> root.existingFile("input", "docs")).isInstanceOf(NonRetryableJobException.class)
                .hasMessageContaining("is not a regular file");
        assertThatThrownBy(() -> root.fileToWrite("output", "docs")).isInstanceOf(NonRetryableJobException.class)
                .hasMessageContaining("is a directory");
    }

    @Test
    void aFileToWriteGetsItsDirectoriesCreatedInsideTheRoot() throws IOException {
        Path target = root.fileToWrite("output", "results/2026/out.txt");
        assertThat(target).isEqualTo(rootDir.toRealPath().resolve("results/2026/out.txt"));
        assertThat(target.getParent()).isDirectory();
        assertThat(root.relative(target)).isEqualTo("results/2026/out.txt");
    }
}
