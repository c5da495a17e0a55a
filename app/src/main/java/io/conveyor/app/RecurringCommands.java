package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.JobSubmissionJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.concurrent.Callable;

/**
 * {@code conveyor recurring put|list|delete}: recurring jobs through the API's {@code /recurring} routes. Exit codes as
 * for the job commands: 0 done, 1 it failed (no such recurring job), 2 bad usage (a bad cron or zone: the API's 422), 3
 * the API could not be reached.
 */
@Command(name = "recurring", mixinStandardHelpOptions = true, description = "Recurring jobs: put, list, delete.",
        subcommands = {RecurringCommands.Put.class, RecurringCommands.ListRecurring.class, RecurringCommands.Delete.class})
final class RecurringCommands implements Callable<Integer> {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Without a subcommand: usage, exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("conveyor recurring: name a subcommand: put, list or delete");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ApiClient.USAGE;
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = "Create or replace a recurring job: at each time its cron names, a job of TYPE starts.")
    static final class Put implements Callable<Integer> {
        @Mixin JobCommands.ClientOptions options;

        @Parameters(index = "0", paramLabel = "NAME", description = "the recurring job's name, e.g. nightly-report")
        String name;

        @Parameters(index = "1", paramLabel = "TYPE", description = "the job type, e.g. primes")
        String type;

        @Option(names = "--cron", required = true, paramLabel = "CRON",
                description = "5 fields, or 6 with seconds first, e.g. '0 9 * * MON-FRI' or '*/10 * * * * *'")
        String cron;

        @Option(names = "--zone", paramLabel = "ZONE", description = "the time zone the cron is read in (default UTC), e.g. Europe/Paris")
        String zone;

        @Mixin JobCommands.JobOptions jobOptions;

        @Override
        public Integer call() {
            return options.run(() -> {
                ObjectNode job = jobOptions.submission(type);
                ObjectNode body = JobSubmissionJson.MAPPER.createObjectNode().put("cron", cron);
                if (zone != null) {
                    body.put("zone", zone);
                }
                body.set("job", job);
                JsonNode answer = options.client().put("/recurring/" + JobCommands.encode(name), body.toString());
                options.print(answer, line(answer));
                return 0;
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the recurring jobs, with each one's next run.")
    static final class ListRecurring implements Callable<Integer> {
        @Mixin JobCommands.ClientOptions options;

        @Override
        public Integer call() {
            return options.run(() -> {
                JsonNode answer = options.client().get("/recurring");
                StringBuilder table = new StringBuilder();
                answer.path("recurring").forEach(recurring -> table.append(line(recurring)).append('\n'));
                options.print(answer, table.isEmpty() ? "no recurring jobs" : table.toString().stripTrailing());
                return 0;
            });
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a recurring job; the jobs it made stay.")
    static final class Delete implements Callable<Integer> {
        @Mixin JobCommands.ClientOptions options;

        @Parameters(index = "0", paramLabel = "NAME") String name;

        @Override
        public Integer call() {
            return options.run(() -> {
                JsonNode answer = options.client().delete("/recurring/" + JobCommands.encode(name));
                options.print(answer, "deleted " + line(answer));
                return 0;
            });
        }
    }

    /** name, cron, zone, type, next run: one line. */
    private static String line(JsonNode recurring) {
        return recurring.path("name").asText() + "  '" + recurring.path("cron").asText() + "'  " + recurring.path("zone").asText()
                + "  " + recurring.path("job").path("type").asText() + "  next " + recurring.path("nextRuns").path(0).asText("-");
    }
}
