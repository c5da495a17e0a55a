package io.conveyor.worker.run;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** What a worker JVM that a job's {@link OutOfMemoryError} breaks leaves behind, in a JVM of its own ({@link DyingJvmMain}). */
class FatalJobErrorsJvmTest {

    @Test
    void theNoteIsWrittenOnceTheCulpritLetGoOfTheHeapAndTheJvmSaysHowItEnded() throws Exception {
        String output = outputOfBrokenJvm(DyingJvmMain.class);

        // Written while the job still filled the heap, the note competed with it for every byte (the JDBC write of a
        // worker failed half way through): it waits until the job's own allocation failed.
        assertThat(output).contains("note " + DyingJvmMain.CULPRIT + " java.lang.OutOfMemoryError: Java heap space after the job let go")
                .contains("the job that broke this JVM is noted for the rescuer")
                .contains("worker exits: the JVM hit an OutOfMemoryError");
    }

    @Test
    void aPartDyingOfAWrappedOutOfMemoryErrorBreaksTheJvmAndNothingEndsItBeforeTheNote() throws Exception {
        String output = outputOfBrokenJvm(WrappedErrorJvmMain.class);

        // Before: the wrapped error went to the handler installed before, which ended the process as an ordinary part
        // death (code 4) while the note was being written: the culprit's kill counted as a bystander's death.
        assertThat(output).contains("note " + WrappedErrorJvmMain.CULPRIT + " java.lang.OutOfMemoryError: Java heap space")
                .contains("the job that broke this JVM is noted for the rescuer")
                .doesNotContain("did not halt it in time");
    }

    /** Runs {@code main} in a JVM of its own, checks that it ended as a broken worker does (code 3), and gives its output. */
    private static String outputOfBrokenJvm(Class<?> main) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(List.of(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"), main.getName()))
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isEqualTo(FatalJobErrors.EXIT_CODE);
        return output;
    }
}
