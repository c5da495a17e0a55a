package io.conveyor.app;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code conveyor} launcher starts the jar with the same JVM options as the JVMs Conveyor forks itself. */
class LauncherScriptTest {

    private static final Pattern EXEC_JAVA = Pattern.compile("(?m)^exec java \\$JVM_OPTIONS -jar \"\\$JAR\" \"\\$@\"$");
    private static final Pattern JVM_OPTIONS = Pattern.compile("(?m)^JVM_OPTIONS=\"([^\"$]*)\"$");
    private static final Pattern DEV_OPTIONS = Pattern.compile("(?m)^  dev\\) JVM_OPTIONS=\"\\$JVM_OPTIONS ([^\"]*)\" ;;$");
    private static final Pattern MODULES = Pattern.compile("(?m)^MODULES=\"([^\"]*)\"$");

    @Test
    void startsTheJarWithTheRoleJvmOptions() throws IOException {
        assertThat(EXEC_JAVA.matcher(script()).find()).as("the launcher ends with: exec java $JVM_OPTIONS -jar \"$JAR\" \"$@\"").isTrue();
        assertThat(words(JVM_OPTIONS, "the launcher sets JVM_OPTIONS=\"...\"")).isEqualTo(JavaCommand.ROLE_JVM_OPTIONS);
    }

    /** {@code dev}'s own JVM gets what {@code dev} gives the worker JVMs it starts. */
    @Test
    void startsDevWithTheDevJvmOptions() throws IOException {
        assertThat(words(DEV_OPTIONS, "the launcher adds to JVM_OPTIONS for dev: '  dev) JVM_OPTIONS=\"$JVM_OPTIONS ...\" ;;'"))
                .isEqualTo(JavaCommand.DEV_JVM_OPTIONS);
    }

    /** A change in any module that goes into conveyor.jar or conveyor-bench.jar makes the launcher rebuild them. */
    @Test
    void rebuildsWhenTheSourcesOfAnyModuleOfTheJarsAreNewer() throws IOException {
        List<String> jarModules = PomFile.read("pom.xml").texts("/project/modules/module").stream()
                .filter(module -> !module.equals("examples")) // a jar of its own, not in either launcher jar
                .toList();
        assertThat(words(MODULES, "the launcher names the modules it watches: MODULES=\"...\"")).containsExactlyInAnyOrderElementsOf(jarModules);
    }

    /** The words of the first group of {@code line}'s first match in the launcher, which must have one. */
    private static List<String> words(Pattern line, String expected) throws IOException {
        Matcher match = line.matcher(script());
        assertThat(match.find()).as(expected).isTrue();
        return List.of(match.group(1).trim().split("\\s+"));
    }

    private static String script() throws IOException {
        return Files.readString(projectRoot().resolve("conveyor"));
    }

    private static Path projectRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("conveyor")) ? here : here.getParent();
    }
}
