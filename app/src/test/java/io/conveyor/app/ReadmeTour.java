package io.conveyor.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.app.testing.ConveyorClient;
import io.conveyor.common.JobSubmissionJson;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The README's "A five-minute tour", run as written against a running dev: every line of each bash block that calls
 * curl runs in bash in dev's working directory, with only the API's port and the ids the README cannot know filled in
 * (the id shown in an earlier answer, {@code <id of the sort>}). Each curl answer must have the status the README
 * shows (202 for a submission and 200 for a read, where it shows none), and what the README's comments show of it
 * (of a refusal: the fields of its problem):
 * a job's final state ({@code "state":"SUCCEEDED"}, or SUCCEEDED/FAILED in words) is awaited, then every field the
 * comment names must be in the job.
 */
final class ReadmeTour {

    private static final String SECTION = "## A five-minute tour";
    private static final Pattern BASH_BLOCK = Pattern.compile("(?s)```bash\n(.*?)```");
    private static final Pattern URL_PATH = Pattern.compile("localhost:8080(/(?:<[^>]*>|\\S)*)");
    private static final Pattern JOB_PATH = Pattern.compile("^/jobs/(.+)$");
    private static final Pattern NAMED_ID = Pattern.compile("<id of the (\\w[\\w-]*)>");
    private static final Pattern STATUS = Pattern.compile("^(\\d{3})\\b");
    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":");
    private static final Pattern FINAL_STATE = Pattern.compile("\\b(SUCCEEDED|FAILED)\\b");
    private static final Pattern INLINE_COMMENT = Pattern.compile("\\s+#\\s(.*)$");
    private static final Duration FINAL_STATE_WAIT = Duration.ofMinutes(3);

    private final Path workDir;
    private final int apiPort;
    private final ConveyorClient client;
    private final List<UUID> submitted = new ArrayList<>();
    private final Map<String, UUID> lastOfType = new HashMap<>();

    ReadmeTour(Path workDir, int apiPort, ConveyorClient client) {
        this.workDir = workDir;
        this.apiPort = apiPort;
        this.client = client;
    }

    void run() throws IOException, InterruptedException {
        int curls = 0;
        for (List<String> block : blocksWithCurl()) {
            for (int i = 0; i < block.size(); i++) {
                String line = block.get(i);
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (!line.startsWith("curl ")) {
                    assertThat(bash(line).exitCode()).as("the tour's line: %s", line).isZero();
                    continue;
                }
                StringBuilder comment = new StringBuilder();
                Matcher inline = INLINE_COMMENT.matcher(line);
                String command = line;
                if (inline.find()) {
                    comment.append(inline.group(1)).append('\n');
                    command = line.substring(0, inline.start());
                }
                for (int next = i + 1; next < block.size() && block.get(next).startsWith("#"); next++) {
                    comment.append(block.get(next).substring(1).strip()).append('\n');
                }
                runCurl(command, comment.toString());
                curls++;
            }
        }
        assertThat(curls).as("curl lines in the README's tour").isPositive();
    }

    private void runCurl(String line, String comment) throws IOException, InterruptedException {
        Matcher url = URL_PATH.matcher(line);
        assertThat(url.find()).as("the tour's curl line calls the API at localhost:8080: %s", line).isTrue();
        String path = url.group(1);
        Matcher jobPath = JOB_PATH.matcher(path);
        String resolved = jobPath.matches() && !path.equals("/jobs/batch") ? "/jobs/" + idFor(jobPath.group(1)) : path;
        String command = "curl -s -w '\\n%{http_code}' " + line.substring("curl ".length())
                .replace("localhost:8080" + path, "localhost:" + apiPort + resolved);
        Result result = bash(command);
        assertThat(result.exitCode()).as("curl exit code of: %s%n%s", command, result.output()).isZero();
        int split = result.output().lastIndexOf('\n');
        String body = result.output().substring(0, split);
        int status = Integer.parseInt(result.output().substring(split + 1).strip());
        JsonNode answer = JobSubmissionJson.MAPPER.readTree(body);

        boolean submission = line.contains("-XPOST");
        Matcher shownStatus = STATUS.matcher(comment);
        assertThat(status).as("HTTP status of: %s%n%s", line, body)
                .isEqualTo(shownStatus.find() ? Integer.parseInt(shownStatus.group(1)) : submission ? 202 : 200);
        if (status >= 400) { // a refusal: a problem, no job
            assertThat(fieldNames(answer)).as("fields of the answer to: %s%n%s", line, body).containsAll(fieldsShown(comment));
            return;
        }
        List<UUID> ids = submission ? noteSubmitted(answer) : List.of(UUID.fromString(resolved.substring("/jobs/".length())));

        Matcher finalState = FINAL_STATE.matcher(comment);
        String expectedState = null;
        while (finalState.find()) {
            expectedState = finalState.group(1);
        }
        if (expectedState == null) {
            assertThat(fieldNames(answer)).as("fields of the answer to: %s%n%s", line, body).containsAll(fieldsShown(comment));
            return;
        }
        UUID id = ids.getLast();
        String state = expectedState;
        await().atMost(FINAL_STATE_WAIT).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(client.job(id).path("state").asText()).as("state of job %s of: %s", id, line).isEqualTo(state));
        JsonNode job = client.job(id);
        assertThat(fieldNames(job)).as("fields of job %s of: %s%n%s", id, line, job).containsAll(fieldsShown(comment));
    }

    /** The ids a submission's answer names (one job, or a batch), noted for the reads that follow. */
    private List<UUID> noteSubmitted(JsonNode answer) {
        List<UUID> ids = new ArrayList<>();
        for (JsonNode job : answer.isArray() ? answer : answer.has("jobs") ? answer.get("jobs") : List.of(answer)) {
            UUID id = UUID.fromString(job.get("id").asText());
            ids.add(id);
            lastOfType.put(job.path("type").asText(), id);
        }
        submitted.addAll(ids);
        assertThat(ids).as("ids in the answer %s", answer).isNotEmpty();
        return ids;
    }

    /** A job the README names: {@code <id of the sort>}, or the id an earlier answer showed, which is the latest job's. */
    private UUID idFor(String shown) {
        Matcher named = NAMED_ID.matcher(shown);
        if (named.matches()) {
            assertThat(lastOfType).as("a %s job was submitted before %s", named.group(1), shown).containsKey(named.group(1));
            return lastOfType.get(named.group(1));
        }
        assertThat(submitted).as("a job was submitted before reading %s", shown).isNotEmpty();
        return submitted.getLast();
    }

    private static Set<String> fieldsShown(String comment) {
        Set<String> fields = new LinkedHashSet<>();
        Matcher field = FIELD.matcher(comment);
        while (field.find()) {
            fields.add(field.group(1));
        }
        return fields;
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new LinkedHashSet<>();
        if (node.isObject()) {
            node.properties().forEach(entry -> {
                names.add(entry.getKey());
                names.addAll(fieldNames(entry.getValue()));
            });
        } else if (node.isArray()) {
            node.forEach(item -> names.addAll(fieldNames(item)));
        }
        return names;
    }

    private List<List<String>> blocksWithCurl() {
        String readme = ProjectFiles.read("README.md");
        int start = readme.indexOf(SECTION);
        assertThat(start).as("README.md has \"%s\"", SECTION).isNotNegative();
        int end = readme.indexOf("\n## ", start + SECTION.length());
        Matcher block = BASH_BLOCK.matcher(readme.substring(start, end < 0 ? readme.length() : end));
        List<List<String>> blocks = new ArrayList<>();
        while (block.find()) {
            List<String> lines = block.group(1).lines().toList();
            if (lines.stream().anyMatch(line -> line.startsWith("curl "))) {
                blocks.add(lines);
            }
        }
        return blocks;
    }

    private record Result(int exitCode, String output) {
    }

    private Result bash(String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", "-c", command).directory(workDir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("still running after 60 s: " + command);
        }
        return new Result(process.exitValue(), output);
    }
}
