package io.conveyor.worker.process;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class BackgroundPartDeathsTest {

    private Thread.UncaughtExceptionHandler original;
    private final CompletableFuture<String> before = new CompletableFuture<>();
    private final CompletableFuture<String> exit = new CompletableFuture<>();

    @BeforeEach
    void install() {
        original = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> before.complete(thread.getName() + " " + error));
        BackgroundPartDeaths.endProcessOnDeath("test", (code, reason) -> exit.complete(code + " " + reason));
    }

    @AfterEach
    void restore() {
        Thread.setDefaultUncaughtExceptionHandler(original);
    }

    @Test
    void aBackgroundPartThatDiesOfAnErrorEndsTheProcessWithTheDistinctCode() throws Exception {
        Thread.ofPlatform().name("conveyor-intake").start(() -> {
            throw new NoClassDefFoundError("org/example/Gone");
        }).join();

        assertThat(exit.get(5, TimeUnit.SECONDS)).startsWith(JobServerKeeper.EXIT_CODE + " ")
                .contains("conveyor-intake").contains("NoClassDefFoundError");
        assertThat(before).isNotDone();
    }

    @Test
    void everyPartThreadNameIsOneAPartGivesItsThread() throws Exception {
        // The worker's sources and common's, where the ledger's signal channels are named (LedgerSignals).
        StringBuilder all = new StringBuilder();
        for (java.nio.file.Path root : List.of(java.nio.file.Path.of("src", "main", "java"), java.nio.file.Path.of("..", "common", "src", "main", "java"))) {
            try (var files = java.nio.file.Files.walk(root)) {
                for (java.nio.file.Path file : files.filter(path -> path.toString().endsWith(".java") && !path.endsWith("BackgroundPartDeaths.java")).toList()) {
                    all.append(java.nio.file.Files.readString(file));
                }
            }
        }
        String sources = all.toString();
        for (String name : BackgroundPartDeaths.PART_THREADS) {
            // A signal's listener is named after its channel (LedgerChannel: channel + "-listener").
            String literal = name.endsWith("-listener") ? name.substring(0, name.length() - "-listener".length()) : name;
            assertThat(sources).as("a thread named " + name).contains("\"" + literal + "\"");
        }
    }

    @Test
    void anyOtherThreadsDeathAndABrokenJvmGoToTheHandlerInstalledBefore() throws Exception {
        Thread.ofPlatform().name("some-job-thread").start(() -> {
            throw new IllegalStateException("a job's own");
        }).join();
        assertThat(before.get(5, TimeUnit.SECONDS)).startsWith("some-job-thread");

        CompletableFuture<String> broken = new CompletableFuture<>();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> broken.complete(thread.getName()));
        BackgroundPartDeaths.endProcessOnDeath("test", (code, reason) -> exit.complete(code + " " + reason));
        Thread.ofPlatform().name("conveyor-succeeded-writer").start(() -> {
            throw new OutOfMemoryError("test");
        }).join();
        assertThat(broken.get(5, TimeUnit.SECONDS)).isEqualTo("conveyor-succeeded-writer");
        assertThat(exit).isNotDone();
    }
}
