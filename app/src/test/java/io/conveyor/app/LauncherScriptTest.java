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

    private static final Pattern EXEC_JAVA = Pattern.compile("(?m)^exec java (.*) -jar \"\\$JAR\" \"\\$@\"$");

    @Test
    void startsTheJarWithTheRoleJvmOptions() throws IOException {
        String script = Files.readString(projectRoot().resolve("conveyor"));
        Matcher exec = EXEC_JAVA.matcher(script);
        assertThat(exec.find()).as("the launcher ends with: exec java <options> -jar \"$JAR\" \"$@\"").isTrue();
        assertThat(List.of(exec.group(1).trim().split("\\s+"))).isEqualTo(JavaCommand.ROLE_JVM_OPTIONS);
    }

    private static Path projectRoot() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("conveyor")) ? here : here.getParent();
    }
}
