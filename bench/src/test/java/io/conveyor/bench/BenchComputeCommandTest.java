package io.conveyor.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class BenchComputeCommandTest {

    @TempDir
    Path dir;

    @Test
    void printsOneRowPerTypeWithTheSameResultAtOneAndAtNThreads() {
        StringWriter output = new StringWriter();
        CommandLine command = new CommandLine(new BenchMain());
        command.setOut(new PrintWriter(output));

        int exit = command.execute("bench-compute", "--scale", "0.001", "--repeat", "1", "--threads", "2", "--dir", dir.toString());

        assertThat(exit).as(output.toString()).isZero();
        assertThat(output.toString())
                .contains("machine: ", "speedup/2")
                .containsPattern("(?m)^primes .*x")
                .containsPattern("(?m)^hash-files .*x")
                .containsPattern("(?m)^word-count .*x")
                .containsPattern("(?m)^sort .*x")
                .containsPattern("(?m)^search .*x")
                .doesNotContain("results differ");
    }
}
