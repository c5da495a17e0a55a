package io.conveyor.app;

import org.commonmark.node.FencedCodeBlock;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The repository's docs, held to the repository: their links lead to files in it, docs/ARCHITECTURE.md's module and
 * package tables list the modules and packages there are, and the README's handler example is the compiled example.
 */
class DocsTest {

    private static final List<String> DOCS = List.of("README.md", "CONTRIBUTING.md", "CHANGELOG.md", "docs/ARCHITECTURE.md", "docs/BENCHMARKS.md");
    private static final String ARCHITECTURE = "docs/ARCHITECTURE.md";
    private static final String EXAMPLE = "examples/src/main/java/io/conveyor/examples/LineCountHandler.java";

    @Test
    void everyLinkLeadsToAFileInTheRepository() {
        Path root = ProjectFiles.root();
        for (String doc : DOCS) {
            MarkdownFile markdown = MarkdownFile.read(doc);
            Path dir = root.resolve(doc).getParent();
            for (String destination : markdown.linkDestinations()) {
                if (destination.contains("://") || destination.startsWith("#") || destination.startsWith("mailto:")) {
                    continue; // the web, or a heading of the same file
                }
                Path target = dir.resolve(destination.replaceFirst("#.*", "")).normalize();
                assertThat(target).as("%s links to %s", doc, destination).startsWith(root).exists();
            }
            assertThat(markdown.codeSpans()).as("paths in %s that leave the repository", doc)
                    .noneMatch(span -> span.startsWith("../") && !dir.resolve(span).normalize().startsWith(root));
        }
    }

    @Test
    void theModuleTableListsTheModulesOfTheBuild() {
        List<List<String>> rows = MarkdownFile.read(ARCHITECTURE).table(List.of("module", "holds"))
                .orElseThrow(() -> new AssertionError(ARCHITECTURE + " has no | module | holds | table"));

        assertThat(rows.stream().map(List::getFirst).toList())
                .containsExactlyInAnyOrderElementsOf(PomFile.read("pom.xml").texts("/project/modules/module"));
    }

    @Test
    void thePackageTableListsThePackagesOfTheCodeAndTheirModules() {
        List<List<String>> rows = MarkdownFile.read(ARCHITECTURE).table(List.of("package", "module", "holds"))
                .orElseThrow(() -> new AssertionError(ARCHITECTURE + " has no | package | module | holds | table"));
        Map<String, String> documented = new TreeMap<>();
        rows.forEach(row -> assertThat(documented.put(row.get(0), row.get(1))).as("%s listed twice", row.get(0)).isNull());

        assertThat(documented).isEqualTo(packagesInTheCode());
    }

    /** The README shows LineCountHandler.java with parts left out ({@code ...}): every part shown is the file's, in order. */
    @Test
    void theReadmesHandlerExampleIsTheExampleFile() {
        List<FencedCodeBlock> javaBlocks = MarkdownFile.read("README.md").codeBlocks("java");
        assertThat(javaBlocks).as("Java examples in the README").hasSize(1);
        List<String> source = ProjectFiles.read(EXAMPLE).lines().toList();

        int from = 0;
        for (List<String> part : parts(javaBlocks.getFirst().getLiteral())) {
            int at = indexOf(source, part, from);
            assertThat(at).as("this part of the README's example, in %s after line %d:%n%s", EXAMPLE, from, String.join("\n", part))
                    .isNotNegative();
            from = at + part.size();
        }
    }

    /** The lines of the example between its {@code ...} lines. */
    private static List<List<String>> parts(String example) {
        List<List<String>> parts = new ArrayList<>(List.of(new ArrayList<>()));
        for (String line : example.lines().toList()) {
            if (line.strip().equals("...")) {
                parts.add(new ArrayList<>());
            } else {
                parts.getLast().add(line);
            }
        }
        return parts.stream().filter(part -> !part.isEmpty()).toList();
    }

    private static int indexOf(List<String> lines, List<String> part, int from) {
        for (int i = from; i + part.size() <= lines.size(); i++) {
            if (lines.subList(i, i + part.size()).equals(part)) {
                return i;
            }
        }
        return -1;
    }

    /** Each package with main code (a directory of .java files under src/main/java), and the module it is in. */
    private static Map<String, String> packagesInTheCode() {
        Map<String, String> packages = new TreeMap<>();
        for (String module : PomFile.read("pom.xml").texts("/project/modules/module")) {
            Path sources = ProjectFiles.root().resolve(module).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(sources)) {
                files.filter(file -> file.toString().endsWith(".java") && !file.endsWith("package-info.java"))
                        .map(file -> sources.relativize(file.getParent()).toString().replace(File.separatorChar, '.'))
                        .collect(Collectors.toSet())
                        .forEach(pkg -> packages.put(pkg, module));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return packages;
    }
}
