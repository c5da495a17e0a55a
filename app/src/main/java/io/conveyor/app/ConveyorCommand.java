package io.conveyor.app;

import io.conveyor.common.Env;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point of conveyor.jar: {@code api}, {@code worker} and {@code dev} roles as subcommands, and the
 * terminal commands that talk to the API ({@link JobCommands}). (The
 * benchmarks have a jar of their own, conveyor-bench.jar, with {@code io.conveyor.bench.BenchMain}.)
 * Settings come from environment variables (see README); a bad value stops the role with a message naming it.
 */
@Command(name = "conveyor", mixinStandardHelpOptions = true, version = "conveyor 0.1.0",
        description = "A distributed task queue: HTTP in, Kafka between, JobRunr + PostgreSQL as the ledger.",
        subcommands = {ApiCommand.class, WorkerCommand.class, DevCommand.class, JobCommands.Submit.class, JobCommands.Status.class,
                JobCommands.ListJobs.class, JobCommands.Cancel.class, JobCommands.Retry.class, JobCommands.Watch.class, JobCommands.Workers.class,
                RecurringCommands.class, BatchCommands.class})
public final class ConveyorCommand {

    public static void main(String[] args) {
        try {
            LogFormat.check(Env.system());
        } catch (Env.SettingsException e) {
            System.err.println("conveyor: " + e.getMessage());
            System.exit(2);
        }
        execute(new ConveyorCommand(), args);
    }

    /**
     * The command line of {@code topCommand}, with picocli's argument files off: {@code @file.json} is Conveyor's way to
     * name a file whose content is the argument ({@code --payload @job.json}, {@code batch submit @batch.json}), which
     * picocli would otherwise expand into the file's words as arguments.
     */
    static CommandLine commandLine(Object topCommand) {
        return new CommandLine(topCommand).setExpandAtFiles(false);
    }

    /**
     * Runs one subcommand of {@code topCommand} as a process's main does: a failure is one line naming the subcommand,
     * and the process exits with the subcommand's code (leaving a role that returned 0 to its own threads).
     */
    public static void execute(Object topCommand, String[] args) {
        CommandLine commandLine = commandLine(topCommand).setCaseInsensitiveEnumValuesAllowed(true);
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
