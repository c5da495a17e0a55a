package io.conveyor.bench;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.jar.JarFile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The product's jar carries none of the benchmark: this module builds on conveyor.jar, never the other way round. */
class ConveyorJarTest {

    @Test
    void conveyorJarHoldsNoBenchmarkClass() throws IOException {
        // The reactor packages app before it tests this module; a build of this module alone may not have the jar.
        Path jar = Path.of("..", "app", "target", "conveyor.jar");
        assumeThat(jar).as("app/target/conveyor.jar (./mvnw package builds it)").exists();

        try (JarFile conveyor = new JarFile(jar.toFile())) {
            assertThat(conveyor.getEntry("io/conveyor/app/ConveyorCommand.class")).as("the product's entry point").isNotNull();
            assertThat(conveyor.stream().map(entry -> entry.getName()))
                    .as("benchmark classes in conveyor.jar")
                    .noneMatch(name -> name.startsWith("io/conveyor/bench/"));
        }
    }
}
