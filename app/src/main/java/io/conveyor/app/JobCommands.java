package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.JobSubmissionJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The terminal commands: {@code submit}, {@code status}, {@code list}, {@code cancel}, {@code retry}, {@code watch},
 * {@code workers},
 * over HTTP to the API at {@code --api} ({@value #API}, default {@value #API_DEFAULT}). Exit codes: 0 the job
 * succeeded (or the command did), 1 it failed or was cancelled (or the API refused), 2 bad usage, 3 the API could
 * not be reached. Errors print the problem's detail, not a stack trace.
 */
final class JobCommands {

    static final String API = "CONVEYOR_API";
    static final String API_DEFAULT = "http://localhost:8080";
    private static final Set<String> ENDED = Set.of("SUCCEEDED", "FAILED", "DELETED");
    private static final Duration POLL = Duration.ofMillis(250);

    private JobCommands() {
    }

    /** The options every command shares. */
    static final class ClientOptions {
        @Option(names = "--api", paramLabel = "URL", description = "the Conveyor API (default: $" + API + ", else " + API_DEFAULT + ")")
        String api;

        @Option(names = "--json", description = "print the API's JSON instead of a summary")
        boolean json;

        @Spec(Spec.Target.MIXEE)
        CommandSpec spec;

        ApiClient client() {
            String base = api != null ? api : System.getenv().getOrDefault(API, API_DEFAULT);
            return new ApiClient(base.isBlank() ? API_DEFAULT : base);
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }

        /** Runs a command body, turning a {@link ApiClient.Failure} into its message on stderr and its exit code. */
        int run(Callable<Integer> body) {
            try {
                return body.call();
            } catch (ApiClient.Failure e) {
                spec.commandLine().getErr().println("conveyor " + spec.name() + ": " + e.getMessage());
                return e.exitCode;
            } catch (Exception e) {
                spec.commandLine().getErr().println("conveyor " + spec.name() + ": " + e.getMessage());
                return ApiClient.FAILED;
            }
        }

        /** {@code POST /jobs/{id}/{action}} (cancel, retry), printing the job it answers. */
        int act(String id, String action) {
            return run(() -> {
                JsonNode job = client().post("/jobs/" + encode(id) + "/" + action, "", Map.of());
                print(job, summary(job));
                return 0;
            });
        }

        void print(JsonNode body, String human) {
            out().println(json ? body.toString() : human);
            out().flush();
        }
    }

    /** What describes a job, for {@code submit} and {@code recurring put}: its payload, time limit, attempts and labels. */
    static final class JobOptions {
        @Option(names = "--payload", paramLabel = "JSON|@FILE", description = "the payload: a JSON object, or @file to read one")
        String payload;

        @Option(names = "--timeout", paramLabel = "DURATION", description = "fail an attempt that runs longer (retried per its policy): 500ms, 30s, 5m, 2h, or ISO-8601")
        String timeout;

        @Option(names = "--max-attempts", paramLabel = "N", description = "runs of a job at most (default: the API's, 5)")
        Integer maxAttempts;

        @Option(names = "--label", paramLabel = "LABEL", description = "a label (up to 3)")
        List<String> labels = new ArrayList<>();

        /** The submission's JSON for a job of {@code type} as these options describe it. */
        ObjectNode submission(String type) throws java.io.IOException {
            ObjectNode job = JobSubmissionJson.MAPPER.createObjectNode().put("type", type);
            if (payload != null) {
                job.set("payload", payload(payload));
            }
            if (timeout != null) {
                job.put("timeoutMillis", duration(timeout).toMillis());
            }
            if (maxAttempts != null) {
                job.put("maxAttempts", maxAttempts);
            }
            labels.forEach(label -> job.withArray("labels").add(label));
            return job;
        }
    }

    /** A command about one job, named by its id. */
    abstract static class OneJobCommand implements Callable<Integer> {
        @Mixin ClientOptions options;

        @Parameters(index = "0", paramLabel = "ID")
        String id;
    }

    @Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit a job; with --wait, wait until it ends.")
    static final class Submit implements Callable<Integer> {
        @Mixin ClientOptions options;

        @Parameters(index = "0", paramLabel = "TYPE", description = "the job type, e.g. primes")
        String type;

        @Mixin JobOptions job;

        @Option(names = "--key", paramLabel = "KEY", description = "an idempotency key: the same key is the same job")
        String key;

        @Option(names = "--run-at", paramLabel = "TIME", description = "start at this RFC 3339 instant, e.g. 2026-05-01T09:30:00Z")
        String runAt;

        @Option(names = "--delay", paramLabel = "DURATION", description = "start after this long: 500ms, 30s, 5m, 2h, or ISO-8601 (PT30S)")
        String delay;

        @Option(names = "--wait", description = "wait until the job ends; the exit code says how")
        boolean waitForEnd;

        @Override
        public Integer call() {
            return options.run(() -> {
                ObjectNode body = job.submission(type);
                if (runAt != null && delay != null) {
                    throw new ApiClient.Failure(ApiClient.USAGE, "give --run-at or --delay, not both");
                }
                if (runAt != null) {
                    body.put("runAt", runAt);
                }
                if (delay != null) {
                    body.put("delayMillis", duration(delay).toMillis());
                }
                Map<String, String> headers = key == null ? Map.of() : Map.of("Idempotency-Key", key);
                ApiClient client = options.client();
                JsonNode answer = client.post("/jobs", body.toString(), headers);
                String id = answer.path("id").asText();
                if (!waitForEnd) {
                    options.print(answer, id + "  " + answer.path("state").asText() + "  " + type);
                    return 0;
                }
                JsonNode ended = awaitEnd(client, id, null);
                options.print(ended, summary(ended));
                return exitCode(ended);
            });
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show a job; exit 1 if it failed or was cancelled.")
    static final class Status extends OneJobCommand {
        @Override
        public Integer call() {
            return options.run(() -> {
                JsonNode job = options.client().get("/jobs/" + encode(id));
                options.print(job, summary(job));
                return exitCode(job);
            });
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List jobs, newest first.")
    static final class ListJobs implements Callable<Integer> {
        @Mixin ClientOptions options;

        @Option(names = "--state", paramLabel = "STATE") String state;
        @Option(names = "--type", paramLabel = "TYPE") String type;
        @Option(names = "--label", paramLabel = "LABEL") String label;
        @Option(names = "--limit", paramLabel = "N", defaultValue = "20") int limit;
        @Option(names = "--cursor", paramLabel = "CURSOR", description = "the 'next' of an earlier page") String cursor;

        @Override
        public Integer call() {
            return options.run(() -> {
                StringBuilder query = new StringBuilder("/jobs?limit=").append(limit);
                Map<String, String> filters = new HashMap<>();
                filters.put("state", state);
                filters.put("type", type);
                filters.put("label", label);
                filters.put("cursor", cursor);
                filters.forEach((name, value) -> {
                    if (value != null) {
                        query.append('&').append(name).append('=').append(encode(value));
                    }
                });
                JsonNode page = options.client().get(query.toString());
                StringBuilder table = new StringBuilder(String.format("%-36s  %-10s  %-12s  %-8s  %s%n", "ID", "STATE", "TYPE", "ATTEMPTS", "CREATED"));
                page.path("jobs").forEach(job -> table.append(String.format("%-36s  %-10s  %-12s  %-8s  %s%n", job.path("id").asText(),
                        job.path("state").asText(), job.path("type").asText(), job.path("attempts").asText(""), job.path("createdAt").asText(""))));
                if (!page.path("next").isNull()) {
                    table.append("more: --cursor ").append(page.path("next").asText()).append('\n');
                }
                options.print(page, table.toString().stripTrailing());
                return 0;
            });
        }
    }

    @Command(name = "workers", mixinStandardHelpOptions = true,
            description = "Show the live worker JVMs (types, queues, threads busy) and every job type the fleet announced.")
    static final class Workers implements Callable<Integer> {
        @Mixin ClientOptions options;

        @Override
        public Integer call() {
            return options.run(() -> {
                JsonNode workers = options.client().get("/workers");
                JsonNode types = options.client().get("/types");
                StringBuilder text = new StringBuilder(String.format("%-28s  %-16s  %-8s  %-9s  %-20s  %s%n", "WORKER", "HOST", "PID", "BUSY", "QUEUES", "TYPES"));
                workers.path("workers").forEach(worker -> text.append(String.format("%-28s  %-16s  %-8s  %-9s  %-20s  %s%n",
                        worker.path("name").asText(), worker.path("host").asText(), worker.path("pid").asText(),
                        worker.path("threads").path("busy").asText() + "/" + worker.path("threads").path("total").asText(),
                        joined(worker.path("queues")), joined(worker.path("types")))));
                text.append(String.format("%n%-28s  %s%n", "TYPE", "LIVE WORKERS"));
                types.path("types").forEach(type -> text.append(String.format("%-28s  %s%n", type.path("type").asText(), type.path("liveWorkers").asText())));
                ObjectNode both = JobSubmissionJson.MAPPER.createObjectNode();
                both.set("workers", workers.path("workers"));
                both.set("types", types.path("types"));
                options.print(both, text.toString().stripTrailing());
                return 0;
            });
        }

        private static String joined(JsonNode array) {
            List<String> items = new ArrayList<>();
            array.forEach(item -> items.add(item.asText()));
            return String.join(",", items);
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a job: it never starts, or stops if it runs.")
    static final class Cancel extends OneJobCommand {
        @Override
        public Integer call() {
            return options.act(id, "cancel");
        }
    }

    @Command(name = "retry", mixinStandardHelpOptions = true, description = "Run a FAILED or DELETED job again, with a fresh attempt budget.")
    static final class Retry extends OneJobCommand {
        @Override
        public Integer call() {
            return options.act(id, "retry");
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true, description = "Show a job's progress until it ends; exit 0 if it succeeded.")
    static final class Watch extends OneJobCommand {
        @Override
        public Integer call() {
            return options.run(() -> {
                PrintWriter out = options.out();
                JsonNode job = awaitEnd(options.client(), id, options.json ? null : current -> {
                    out.print("\r" + bar(current));
                    out.flush();
                });
                if (!options.json) {
                    out.print("\r" + bar(job) + "\n");
                }
                options.print(job, summary(job));
                return exitCode(job);
            });
        }
    }

    interface Progress {
        void show(JsonNode job);
    }

    static JsonNode awaitEnd(ApiClient client, String id, Progress progress) throws InterruptedException {
        while (true) {
            JsonNode job = client.get("/jobs/" + encode(id));
            if (ENDED.contains(job.path("state").asText())) {
                return job;
            }
            if (progress != null) {
                progress.show(job);
            }
            Thread.sleep(POLL);
        }
    }

    static String bar(JsonNode job) {
        int percent = job.path("progress").path("percent").asInt(job.path("state").asText().equals("SUCCEEDED") ? 100 : 0);
        int filled = Math.max(0, Math.min(30, percent * 30 / 100));
        return "[" + "#".repeat(filled) + ".".repeat(30 - filled) + "] " + String.format("%3d%%", percent) + "  " + String.format("%-10s", job.path("state").asText());
    }

    static String summary(JsonNode job) {
        StringBuilder text = new StringBuilder(job.path("id").asText()).append("  ").append(job.path("state").asText())
                .append("  ").append(job.path("type").asText(""));
        if (job.has("attempts")) {
            text.append("  attempt ").append(job.path("attempts").asText()).append('/').append(job.path("maxAttempts").asText("?"));
        }
        if (job.has("error")) {
            text.append("\n  error: ").append(job.path("error").asText());
        }
        JsonNode last = job.path("history").path(job.path("history").size() - 1);
        if (job.path("state").asText().equals("DELETED") && last.has("message")) {
            text.append("\n  ").append(last.path("message").asText());
        }
        if (job.has("result")) {
            text.append("\n  result: ").append(job.path("result").toString());
        }
        return text.toString();
    }

    static int exitCode(JsonNode job) {
        String state = job.path("state").asText();
        return state.equals("FAILED") || state.equals("DELETED") ? ApiClient.FAILED : 0;
    }

    static JsonNode payload(String text) throws IOException {
        String json;
        try {
            json = text.startsWith("@") ? Files.readString(Path.of(text.substring(1))) : text;
        } catch (IOException e) {
            throw new ApiClient.Failure(ApiClient.USAGE, "cannot read the payload file " + text.substring(1) + ": " + e);
        }
        try {
            return JobSubmissionJson.MAPPER.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ApiClient.Failure(ApiClient.USAGE, "--payload is not JSON: " + e.getOriginalMessage());
        }
    }

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    static Duration duration(String text) {
        Matcher shortForm = SHORT_DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (shortForm.matches()) {
            long n = Long.parseLong(shortForm.group(1));
            return switch (shortForm.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new ApiClient.Failure(ApiClient.USAGE, "'" + text + "' is not a duration such as 500ms, 30s, 5m, 2h or PT30S");
        }
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
