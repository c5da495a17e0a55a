package io.conveyor.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Env;
import io.conveyor.worker.process.WorkerSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code conveyor bench-split}: a file of whole numbers sorted three ways on this machine: {@code LC_ALL=C sort -n},
 * Conveyor's {@code sort} unsplit (one worker; refused over 1 GiB or half its heap), and {@code sort} with
 * {@code "split": n} across the worker JVMs; prints each time, whether the outputs equal {@code sort -n}'s, and each
 * worker's peak resident memory. Printed, never asserted. The figure is {@code --megabytes 4096 --heap 512m}:
 * it needs about three times the file on disk (input, sort -n's output and temporary files, Conveyor's parts and output).
 */
@Command(name = "bench-split", mixinStandardHelpOptions = true,
        description = "Sort a generated file of numbers with sort -n, with Conveyor's sort unsplit and with \"split\": n across worker JVMs; print the times.")
final class BenchSplitCommand implements Callable<Integer> {

    @Option(names = "--megabytes", paramLabel = "MB", description = "Size of the input file in MiB (default ${DEFAULT-VALUE}).")
    private long megabytes = 4096;

    @Option(names = "--parts", paramLabel = "N", description = "Parts of the split sort (default ${DEFAULT-VALUE}).")
    private int parts = 16;

    @Option(names = "--worker-jvms", paramLabel = "N", description = "Worker JVMs (default ${DEFAULT-VALUE}).")
    private int workerJvms = 2;

    @Option(names = "--heap", paramLabel = "SIZE", description = "-Xmx of every worker JVM (default ${DEFAULT-VALUE}).")
    private String heap = "512m";

    @Option(names = "--dir", paramLabel = "DIR", description = "The workers' data root, where the input and outputs go (default: a new temporary directory, deleted afterwards).")
    private Path dir;

    @Override
    public Integer call() throws Exception {
        boolean ownDir = dir == null;
        Path root = ownDir ? Files.createTempDirectory("conveyor-bench-split-") : Files.createDirectories(dir);
        Path logs = Files.createTempDirectory("conveyor-bench-split-logs-");
        try {
            System.out.printf("conveyor bench-split: %d MiB of numbers, %d parts, %d worker JVMs of -Xmx%s, data in %s, logs in %s%n",
                    megabytes, parts, workerJvms, heap, root, logs);
            Path input = root.resolve("numbers.txt");
            long count = generate(input, megabytes << 20);
            double sortN = sortN(input, root.resolve("sort-n.txt"), root);
            System.out.printf("[benchmark] LC_ALL=C sort -n of %,d numbers (%d MiB): %.1f s%n", count, Files.size(input) >> 20, sortN);
            BenchDatabases databases = new BenchDatabases(DatabaseSettings.from(Env.system()));
            try (databases;
                 ConveyorUnderBench conveyor = ConveyorUnderBench.start(databases.create("bench_split"), logs, workerJvms, 1, heap, 1,
                         Map.of(WorkerSettings.DATA_DIR, root.toString()))) {
                run(conveyor, root, "{\"input\":\"numbers.txt\",\"output\":\"unsplit.txt\"}", "unsplit sort (one worker)", "unsplit.txt");
                run(conveyor, root, "{\"input\":\"numbers.txt\",\"output\":\"split.txt\",\"split\":" + parts + "}",
                        "split sort (" + parts + " parts over " + workerJvms + " workers)", "split.txt");
                for (long pid : conveyor.workerPids()) {
                    System.out.printf("[benchmark] worker pid %d: peak RSS %s MiB%n", pid,
                            ProcessMemory.peakRssMegabytes(pid).map(mb -> String.format("%.0f", mb)).orElse("?"));
                }
            }
            return 0;
        } finally {
            if (ownDir) {
                try (Stream<Path> files = Files.walk(root)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            }
        }
    }

    /** Submits a sort, waits for its end, prints its time and whether its output is sort -n's. */
    private static void run(ConveyorUnderBench conveyor, Path root, String payload, String what, String output) throws Exception {
        long started = System.nanoTime();
        UUID id = conveyor.submit("{\"type\":\"sort\",\"maxAttempts\":2,\"payload\":" + payload + "}");
        JsonNode job = conveyor.job(id);
        while (!Stream.of("SUCCEEDED", "FAILED", "DELETED").toList().contains(job.path("state").asText())) {
            if (System.nanoTime() - started > Duration.ofHours(6).toNanos()) {
                throw new IllegalStateException(what + " did not end in 6 hours: " + job);
            }
            Thread.sleep(500);
            job = conveyor.job(id);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        if (!job.path("state").asText().equals("SUCCEEDED")) {
            System.out.printf("[benchmark] %s: %s after %.1f s: %s%n", what, job.path("state").asText(), seconds, job.path("error").asText());
            return;
        }
        boolean same = Files.mismatch(root.resolve(output), root.resolve("sort-n.txt")) == -1;
        System.out.printf("[benchmark] %s: %.1f s, output %s sort -n's; result %s%n", what, seconds, same ? "equal to" : "DIFFERENT from", job.get("result"));
    }

    /** Writes random whole numbers, one per line, until the file has {@code bytes}; returns how many. */
    private static long generate(Path file, long bytes) throws Exception {
        SplittableRandom random = new SplittableRandom(42);
        long count = 0;
        long written = 0;
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            while (written < bytes) {
                String number = Long.toString(random.nextLong());
                out.write(number);
                out.write('\n');
                written += number.length() + 1;
                count++;
            }
        }
        return count;
    }

    private static double sortN(Path input, Path output, Path temporary) throws Exception {
        long started = System.nanoTime();
        ProcessBuilder sort = new ProcessBuilder("sort", "-n", "-T", temporary.toString(), "-o", output.toString(), input.toString()).inheritIO();
        sort.environment().put("LC_ALL", "C");
        Process process = sort.start();
        if (!process.waitFor(6, TimeUnit.HOURS) || process.exitValue() != 0) {
            throw new IllegalStateException("sort -n failed");
        }
        return (System.nanoTime() - started) / 1e9;
    }
}
