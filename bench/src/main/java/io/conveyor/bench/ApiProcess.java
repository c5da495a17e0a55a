package io.conveyor.bench;

import io.conveyor.api.ApiSettings;
import io.conveyor.app.ConveyorCommand;
import io.conveyor.app.JavaCommand;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.KafkaSettings;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The API in a JVM of its own, as an operator runs it: {@code java -cp … ConveyorCommand api} with the launcher's JVM
 * options and no heap setting, on free ports, its output copied to a log file. Its RSS is then the API's alone.
 */
final class ApiProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("Conveyor API on http://localhost:(\\d+)");
    private static final long START_TIMEOUT_SECONDS = 90;

    private final Process process;
    private final int port;

    private ApiProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the API on {@code kafkaBootstrap} and {@code database}, and returns once it listens. */
    static ApiProcess start(String kafkaBootstrap, DatabaseSettings database, Path log) throws InterruptedException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(JavaCommand.ROLE_JVM_OPTIONS); // as the conveyor launcher starts the API
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ConveyorCommand.class.getName(), "api"));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put(KafkaSettings.BOOTSTRAP, kafkaBootstrap);
        builder.environment().put(DatabaseSettings.URL, database.jdbcUrl());
        builder.environment().put(DatabaseSettings.USER, database.user());
        builder.environment().put(DatabaseSettings.PASSWORD, database.password());
        builder.environment().put(ApiSettings.PORT, "0");
        builder.environment().put(ApiSettings.DASHBOARD_PORT, "0");
        builder.redirectErrorStream(true);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the API JVM", e);
        }
        try {
            return new ApiProcess(process, awaitPort(process, log).get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            stop(process);
            throw new IllegalStateException("the API JVM did not start; see " + log, e);
        } catch (InterruptedException e) {
            stop(process);
            throw e;
        }
    }

    int port() {
        return port;
    }

    long pid() {
        return process.pid();
    }

    /** Copies the API's output to {@code log} and completes with its port once it says it listens. */
    private static CompletableFuture<Integer> awaitPort(Process api, Path log) {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("bench-api-output").start(() -> {
            try (BufferedReader output = new BufferedReader(new InputStreamReader(api.getInputStream(), StandardCharsets.UTF_8));
                 PrintWriter copy = new PrintWriter(Files.newBufferedWriter(log))) {
                String line;
                while ((line = output.readLine()) != null) {
                    copy.println(line);
                    copy.flush();
                    Matcher matcher = LISTENING.matcher(line);
                    if (matcher.find()) {
                        port.complete(Integer.parseInt(matcher.group(1)));
                    }
                }
                port.completeExceptionally(new IllegalStateException("the API JVM exited"));
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
        });
        return port;
    }

    private static void stop(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop(process);
    }
}
