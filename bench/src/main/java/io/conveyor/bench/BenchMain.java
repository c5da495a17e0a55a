package io.conveyor.bench;

import io.conveyor.app.ConveyorCommand;
import picocli.CommandLine.Command;

/**
 * The entry point of conveyor-bench.jar ({@code ./conveyor bench}, {@code ./conveyor bench-codec}, {@code ./conveyor bench-compute}, {@code ./conveyor bench-list}, {@code ./conveyor bench-split}). The benchmarks
 * live apart from conveyor.jar so that the product and its image carry none of their code; they start Conveyor's
 * roles from this jar, which holds conveyor.jar's classes too.
 */
@Command(name = "conveyor", mixinStandardHelpOptions = true, version = "conveyor-bench 0.1.0",
        description = "Conveyor's benchmarks: against plain JobRunr (bench), the compute pool (bench-compute), the job list on a large ledger (bench-list), a split sort (bench-split), and the ledger's job JSON (bench-codec).",
        subcommands = {BenchCommand.class, BenchCodecCommand.class, BenchComputeCommand.class, BenchListCommand.class, BenchSplitCommand.class, JobRunrBaselineCommand.class})
public final class BenchMain {

    public static void main(String[] args) {
        ConveyorCommand.execute(new BenchMain(), args);
    }
}
