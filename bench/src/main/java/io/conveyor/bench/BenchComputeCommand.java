package io.conveyor.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.handler.DataRoot;
import io.conveyor.handler.JobHandler;
import io.conveyor.common.JobSubmissionJson;
import io.conveyor.handler.ForkJoinComputePool;
import io.conveyor.handler.StandaloneJobContext;
import io.conveyor.worker.handlers.HashFilesHandler;
import io.conveyor.worker.handlers.PrimesHandler;
import io.conveyor.worker.handlers.SearchHandler;
import io.conveyor.worker.handlers.SortHandler;
import io.conveyor.worker.handlers.WordCountHandler;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * {@code conveyor bench-compute}: runs each data job type's handler on the same generated input with the compute pool
 * at 1 thread and at N threads (default: all cores), in one JVM and one run, and prints a table of the times and
 * speedups. Printed, never asserted: a benchmark informs, a test decides.
 */
@Command(name = "bench-compute", mixinStandardHelpOptions = true,
        description = "Time each data job type at 1 compute thread and at N (default: all cores) on the same input; print the speedups.")
final class BenchComputeCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--threads", paramLabel = "N", description = "Threads of the parallel runs (default: the cores, ${DEFAULT-VALUE}).")
    private int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--scale", paramLabel = "X", description = "Multiplies every input size (default ${DEFAULT-VALUE}: about 2-3 s per type at 1 thread on a 2024 server core).")
    private double scale = 1.0;

    @Option(names = "--repeat", paramLabel = "R", description = "Timed runs per pool size after one warm-up; the fastest counts (default ${DEFAULT-VALUE}).")
    private int repeat = 3;

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to generate the inputs (default: a new temporary directory, deleted afterwards).")
    private Path dir;

    @Option(names = "--types", split = ",", paramLabel = "TYPE", description = "Only these types (default: all).")
    private List<String> types = List.of("primes", "hash-files", "word-count", "sort", "search");

    /** One type's job on its input. */
    private record Workload(JobHandler handler, String payload, String input) {
    }

    /** One row of the table. */
    private record Row(Workload workload, double secondsAtOne, double secondsAtN, boolean sameResult) {
    }

    @Override
    public Integer call() throws Exception {
        if (threads < 1 || repeat < 1 || scale <= 0) {
            throw new IllegalArgumentException("--threads and --repeat must be 1 or more and --scale above 0");
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean ownDir = dir == null;
        Path root = ownDir ? Files.createTempDirectory("conveyor-bench-") : Files.createDirectories(dir);
        try (ForkJoinComputePool one = new ForkJoinComputePool(1); ForkJoinComputePool many = new ForkJoinComputePool(threads)) {
            out.println(machine());
            out.printf("generating inputs in %s ...%n", root);
            out.flush();
            List<Workload> workloads = workloads(new BenchInputs(root, many));
            DataRoot data = DataRoot.open(root);
            List<Row> rows = new ArrayList<>();
            for (Workload workload : workloads) {
                out.printf("running %s on %s ...%n", workload.handler().type(), workload.input());
                out.flush();
                JsonNode first = run(workload, many, data); // warm-up: the JIT compiles the hot loops before timing
                double atOne = Double.MAX_VALUE;
                double atN = Double.MAX_VALUE;
                boolean same = true;
                for (int r = 0; r < repeat; r++) {
                    long start = System.nanoTime();
                    same &= run(workload, one, data).equals(first);
                    atOne = Math.min(atOne, (System.nanoTime() - start) / 1e9);
                    start = System.nanoTime();
                    same &= run(workload, many, data).equals(first);
                    atN = Math.min(atN, (System.nanoTime() - start) / 1e9);
                }
                rows.add(new Row(workload, atOne, atN, same));
            }
            printTable(out, rows);
        } finally {
            if (ownDir) {
                deleteRecursively(root);
            }
        }
        return 0;
    }

    private List<Workload> workloads(BenchInputs inputs) throws IOException, InterruptedException {
        List<Workload> workloads = new ArrayList<>();
        long primesTo = (long) (12_000_000 * scale);
        long blobBytes = (long) (3L * 1024 * 1024 * 1024 * scale);
        long textBytes = (long) (320L * 1024 * 1024 * scale);
        long numbers = (long) (20_000_000 * scale);
        if (types.contains("primes")) {
            workloads.add(new Workload(new PrimesHandler(), "{\"from\":0,\"to\":" + primesTo + "}", String.format("[0, %,d)", primesTo)));
        }
        if (types.contains("hash-files")) {
            inputs.blobs(48, blobBytes);
            workloads.add(new Workload(new HashFilesHandler(), "{\"dir\":\"" + BenchInputs.BLOBS + "\"}", mib(blobBytes) + " in 48 files"));
        }
        if (types.contains("word-count") || types.contains("search")) {
            inputs.text(32, textBytes);
        }
        if (types.contains("word-count")) {
            workloads.add(new Workload(new WordCountHandler(), "{\"dir\":\"" + BenchInputs.TEXT + "\",\"top\":10}", mib(textBytes) + " text in 32 files"));
        }
        if (types.contains("sort")) {
            inputs.numbers(numbers);
            workloads.add(new Workload(new SortHandler(), "{\"input\":\"" + BenchInputs.NUMBERS + "\",\"output\":\"sorted.txt\"}",
                    String.format("%,d numbers (%s)", numbers, mib(Files.size(inputs.path(BenchInputs.NUMBERS))))));
        }
        if (types.contains("search")) {
            workloads.add(new Workload(new SearchHandler(), "{\"dir\":\"" + BenchInputs.TEXT_QUARTER + "\",\"regex\":\"(?i)\\\\b(queue|thread)\\\\w*core\\\\w*\"}",
                    mib(textBytes / 4) + " text in 8 files"));
        }
        return workloads;
    }

    private static JsonNode run(Workload workload, ForkJoinComputePool pool, DataRoot data) throws Exception {
        ObjectNode payload = (ObjectNode) JobSubmissionJson.MAPPER.readTree(workload.payload());
        return workload.handler().handle(new StandaloneJobContext(workload.handler().type(), payload, pool, data));
    }

    private void printTable(PrintWriter out, List<Row> rows) {
        out.println();
        String header = String.format("%-11s %-34s %10s %12s %8s %12s", "type", "input", "1 thread", threads + " threads", "speedup", "speedup/" + threads);
        out.println(header);
        out.println("-".repeat(header.length()));
        for (Row row : rows) {
            double speedup = row.secondsAtOne() / row.secondsAtN();
            out.printf("%-11s %-34s %9.2fs %11.2fs %7.2fx %12.2f%s%n", row.workload().handler().type(), row.workload().input(),
                    row.secondsAtOne(), row.secondsAtN(), speedup, speedup / threads, row.sameResult() ? "" : "  (results differ!)");
        }
        out.printf("fastest of %d timed runs per pool size, after one warm-up run%n", repeat);
        out.flush();
    }

    /** Cores, memory and Java: what the table's numbers depend on. */
    static String machine() {
        long memory = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getTotalMemorySize() : -1;
        return String.format("machine: %d cores, %s memory, max heap %s; Java %s (%s)", Runtime.getRuntime().availableProcessors(),
                memory < 0 ? "unknown" : mib(memory), mib(Runtime.getRuntime().maxMemory()),
                System.getProperty("java.runtime.version"), System.getProperty("java.vm.name"));
    }

    private static String mib(long bytes) {
        return bytes >= 1L << 30 ? String.format("%.1f GiB", bytes / (double) (1L << 30)) : String.format("%d MiB", bytes >> 20);
    }

    private static void deleteRecursively(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
