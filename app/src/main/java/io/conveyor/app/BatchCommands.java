package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code conveyor batch submit|status|cancel}: batches with a completion job through the API's {@code /batches}
 * routes. Exit codes as for the job commands: 0 done (with {@code --wait} or {@code status}: the completion job
 * succeeded, or has not ended yet for {@code status}), 1 the batch was dropped or cancelled or its completion job
 * failed, 2 bad usage (also the API's 422), 3 the API could not be reached.
 */
@Command(name = "batch", mixinStandardHelpOptions = true, description = "Batches with a completion job: submit, status, cancel.",
        subcommands = {BatchCommands.Submit.class, BatchCommands.Status.class, BatchCommands.Cancel.class})
final class BatchCommands implements Callable<Integer> {

    private static final Set<String> ENDED = Set.of("SUCCEEDED", "FAILED", "DELETED");
    private static final Duration POLL = Duration.ofMillis(500);

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** Without a subcommand: usage, exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().getErr().println("conveyor batch: name a subcommand: submit, status or cancel");
        spec.commandLine().usage(spec.commandLine().getErr());
        return ApiClient.USAGE;
    }

    @Command(name = "submit", mixinStandardHelpOptions = true,
            description = "Submit a batch, {\"jobs\":[...],\"then\":{...},\"thenWhen\":...} as POST /batches takes it; with --wait, wait until its completion job ends.")
    static final class Submit implements Callable<Integer> {
        @Mixin JobCommands.ClientOptions options;

        @Parameters(index = "0", paramLabel = "@FILE|JSON", description = "the batch: @file.json to read it from a file, or the JSON itself")
        String batch;

        @Option(names = "--wait", description = "show the batch's progress until its completion job ends; the exit code says how")
        boolean waitForEnd;

        @Override
        public Integer call() {
            return options.run(() -> {
                ApiClient client = options.client();
                JsonNode answer = client.post("/batches", body(batch), Map.of());
                String id = answer.path("id").asText();
                if (!waitForEnd) {
                    options.print(answer, id + "  ACCEPTED  " + answer.path("jobs").size() + " jobs, then " + answer.path("then").asText());
                    return 0;
                }
                return watch(options, client, id);
            });
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show a batch's progress; with --watch, until its completion job ends. Exit 1 if it was dropped or cancelled or its completion job failed.")
    static final class Status implements Callable<Integer> {
        @Mixin JobCommands.ClientOptions options;

        @Parameters(index = "0", paramLabel = "ID") String id;

        @Option(names = "--watch", description = "keep showing the progress bar until the completion job ends")
        boolean watch;

        @Override
        public Integer call() {
            return options.run(() -> {
                if (watch) {
                    return watch(options, options.client(), id);
                }
                JsonNode status = options.client().get("/batches/" + JobCommands.encode(id));
                options.print(status, bar(status));
                return exitCode(status);
            });
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a batch: its members that have not ended and its completion job.")
    static final class Cancel implements Callable<Integer> {
        @Mixin JobCommands.ClientOptions options;

        @Parameters(index = "0", paramLabel = "ID") String id;

        @Override
        public Integer call() {
            return options.run(() -> {
                JsonNode status = options.client().post("/batches/" + JobCommands.encode(id) + "/cancel", "", Map.of());
                options.print(status, bar(status));
                return 0;
            });
        }
    }

    private static String body(String argument) {
        if (!argument.startsWith("@")) {
            return argument;
        }
        try {
            return Files.readString(Path.of(argument.substring(1)));
        } catch (IOException e) {
            throw new ApiClient.Failure(ApiClient.USAGE, "cannot read the batch file " + argument.substring(1) + ": " + e);
        }
    }

    /** Polls the batch, redrawing its bar, until its completion job ends; then prints it and answers the exit code. */
    private static int watch(JobCommands.ClientOptions options, ApiClient client, String id) throws InterruptedException {
        PrintWriter out = options.out();
        JsonNode status;
        while (true) {
            status = client.get("/batches/" + JobCommands.encode(id));
            if (ENDED.contains(status.path("then").path("state").asText())) {
                break;
            }
            if (!options.json) {
                out.print("\r" + bar(status));
                out.flush();
            }
            Thread.sleep(POLL);
        }
        if (!options.json) {
            out.print("\r");
        }
        options.print(status, bar(status));
        return exitCode(status);
    }

    /** {@code [####......]  42.0%  RUNNING  4200/10000 ended (3 FAILED)  then <id> SCHEDULED} */
    static String bar(JsonNode status) {
        double percent = status.path("percentDone").asDouble();
        int filled = (int) Math.max(0, Math.min(30, percent * 30 / 100));
        JsonNode counts = status.path("counts");
        int ended = counts.path("SUCCEEDED").asInt() + counts.path("FAILED").asInt() + counts.path("DELETED").asInt();
        int notSucceeded = ended - counts.path("SUCCEEDED").asInt();
        return "[" + "#".repeat(filled) + ".".repeat(30 - filled) + "] " + String.format("%5.1f%%", percent) + "  " + status.path("state").asText()
                + "  " + ended + "/" + (status.path("total").isNumber() ? status.path("total").asText() : "?") + " ended"
                + (notSucceeded > 0 ? " (" + notSucceeded + " not succeeded)" : "")
                + "  then " + status.path("then").path("id").asText("?") + " " + status.path("then").path("state").asText();
    }

    private static int exitCode(JsonNode status) {
        String state = status.path("state").asText();
        String then = status.path("then").path("state").asText();
        return state.equals("DROPPED") || state.equals("CANCELLED") || then.equals("FAILED") || then.equals("DELETED") ? ApiClient.FAILED : 0;
    }
}
