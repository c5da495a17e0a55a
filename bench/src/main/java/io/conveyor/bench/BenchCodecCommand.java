package io.conveyor.bench;

import io.conveyor.common.JobSubmission;
import io.conveyor.common.jobjson.ConveyorJobJson;
import io.conveyor.handler.JobKind;
import io.conveyor.worker.intake.LedgerWriter;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.context.JobDashboardLogger;
import org.jobrunr.jobs.context.JobDashboardLogger.JobDashboardLogLines;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.ProcessingState;
import org.jobrunr.jobs.states.SucceededState;
import org.jobrunr.utils.mapper.JsonMapper;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * {@code conveyor bench-codec}: the time to write and to read a typical noop job's JSON, as it is after its claim
 * (PROCESSING) and after it succeeded, with JobRunr's Jackson mapper and with the ledger's codec, in one thread of
 * this JVM. The thread's CPU time per call, so that other work on the machine lengthens it little. Printed, never
 * asserted.
 */
@Command(name = "bench-codec", mixinStandardHelpOptions = true,
        description = "Time writing and reading a noop job's ledger JSON after PROCESSING and after SUCCEEDED: JobRunr's Jackson mapper against Conveyor's codec.")
final class BenchCodecCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--seconds", paramLabel = "S", description = "Timed seconds of each measurement (default ${DEFAULT-VALUE}).")
    private double seconds = 3;

    @Option(names = "--warm-up-seconds", paramLabel = "S", description = "Untimed seconds before each measurement, for the JIT (default ${DEFAULT-VALUE}).")
    private double warmUpSeconds = 2;

    /** Something every timed call adds to, printed at the end, so that the JIT cannot drop the calls. */
    private long sink;

    @Override
    public Integer call() {
        if (seconds <= 0 || warmUpSeconds < 0) {
            throw new IllegalArgumentException("--seconds must be above 0 and --warm-up-seconds 0 or more");
        }
        PrintWriter out = spec.commandLine().getOut();
        JsonMapper jackson = new JacksonJsonMapper();
        JsonMapper codec = ConveyorJobJson.withInstalledParameters(jackson);
        out.println(BenchComputeCommand.machine());
        out.println("load average: " + MachineInfo.loadAverage());
        out.printf("%-10s %-12s %12s %12s %8s%n", "job", "operation", "Jackson", "codec", "ratio");
        out.println("(CPU ns per call)");
        for (Job job : typicalNoopJobs()) {
            String json = jackson.serialize(job);
            if (!codec.serialize(job).equals(json)) {
                throw new IllegalStateException("the codec's JSON differs from JobRunr's mapper's: " + codec.serialize(job));
            }
            if (!takesTheFastPath(job, json)) {
                throw new IllegalStateException("the codec left a noop job to JobRunr's mapper: is its job request codec on the class path?");
            }
            String state = job.getState().name();
            row(out, state, "serialize", nanosPerCall(() -> jackson.serialize(job).length()), nanosPerCall(() -> codec.serialize(job).length()));
            row(out, state, "deserialize", nanosPerCall(() -> jackson.deserialize(json, Job.class).getVersion()),
                    nanosPerCall(() -> codec.deserialize(json, Job.class).getVersion()));
            out.printf("%-10s %-12s %12d chars%n", state, "JSON", json.length());
            out.flush();
        }
        out.println("(sink " + sink + ")");
        return 0;
    }

    /** Whether the codec writes and reads {@code job} without its fallback. */
    private static boolean takesTheFastPath(Job job, String json) {
        JsonMapper refusing = new JacksonJsonMapper() {
            @Override
            public String serialize(Object object) {
                throw new IllegalStateException("fell back");
            }

            @Override
            public <T> T deserialize(String text, Class<T> clazz) {
                throw new IllegalStateException("fell back");
            }
        };
        JsonMapper codecAlone = ConveyorJobJson.withInstalledParameters(refusing);
        try {
            codecAlone.serialize(job);
            codecAlone.deserialize(json, Job.class);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    /**
     * A noop job as intake writes it from {@code {"type":"noop"}}, after its claim, and after it succeeded: then with the
     * empty dashboard log JobRunr gives every run (its key numbered after the run's PROCESSING state, the second).
     */
    private static List<Job> typicalNoopJobs() {
        Job enqueued = LedgerWriter.toJob(new JobSubmission(UUID.randomUUID(), "noop", null, JobSubmission.MAX_ATTEMPTS_DEFAULT, List.of(),
                Instant.now()), JobKind.WAITS);
        Instant claimed = Instant.now();
        ProcessingState processing = new ProcessingState(UUID.randomUUID(), "worker-1", claimed);
        SucceededState succeeded = new SucceededState(Duration.between(enqueued.getCreatedAt(), claimed), Duration.ofNanos(812_345), Instant.now());
        Map<String, Object> runLog = Map.of(JobDashboardLogger.JOBRUNR_LOG_KEY + "-2", new JobDashboardLogLines());
        return List.of(after(enqueued, 1, Map.of(), processing), after(enqueued, 2, runLog, processing, succeeded));
    }

    private static Job after(Job enqueued, int version, Map<String, Object> metadata, JobState... states) {
        List<JobState> history = new ArrayList<>(enqueued.getJobStates());
        history.addAll(List.of(states));
        Job job = new Job(enqueued.getId(), version, enqueued.getJobDetails(), history, new ConcurrentHashMap<>(metadata));
        job.setJobName(enqueued.getJobName());
        job.setAmountOfRetries(enqueued.getAmountOfRetries());
        job.setLabels(enqueued.getLabels());
        return job;
    }

    /**
     * Calls {@code call} (one serialisation or deserialisation, giving something of its result) for the warm-up, then
     * as often as it can in the timed seconds: this thread's CPU nanoseconds per call.
     */
    private double nanosPerCall(IntSupplier call) {
        run(call, (long) (warmUpSeconds * 1e9));
        return run(call, (long) (seconds * 1e9));
    }

    private double run(IntSupplier call, long nanos) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = System.nanoTime();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long calls = 0;
        do {
            for (int i = 0; i < 1_000; i++) {
                sink += call.getAsInt();
            }
            calls += 1_000;
        } while (System.nanoTime() - start < nanos);
        return (double) (threads.getCurrentThreadCpuTime() - cpuStart) / calls;
    }

    private static void row(PrintWriter out, String state, String operation, double jackson, double codec) {
        out.printf("%-10s %-12s %,12.0f %,12.0f %7.1f×%n", state, operation, jackson, codec, jackson / codec);
        out.flush();
    }
}
