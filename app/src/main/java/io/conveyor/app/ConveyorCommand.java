package io.conveyor.app;

import io.conveyor.app.bench.BenchCommand;
import io.conveyor.app.bench.JobRunrBaselineCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point of conveyor.jar: {@code api}, {@code worker} and {@code dev} roles as subcommands, and the
 * {@code bench} and {@code bench-compute} benchmarks.
 * Settings come from environment variables (see README); a bad value stops the role with a message naming it.
 */
@Command(name = "conveyor", mixinStandardHelpOptions = true, version = "conveyor 0.1.0",
        description = "A distributed task queue: HTTP in, Kafka between, JobRunr + PostgreSQL as the ledger.",
        subcommands = {ApiCommand.class, WorkerCommand.class, DevCommand.class, BenchComputeCommand.class, BenchCommand.class,
                JobRunrBaselineCommand.class})
public final class ConveyorCommand {

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new ConveyorCommand()).setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExecutionExceptionHandler((exception, cmd, parseResult) -> {
            cmd.getErr().println("conveyor " + cmd.getCommandName() + ": " + exception.getMessage());
            return 2;
        });
        int exitCode = commandLine.execute(args);
        if (exitCode != 0 || args.length == 0) {
            System.exit(args.length == 0 ? 2 : exitCode);
        }
    }
}
