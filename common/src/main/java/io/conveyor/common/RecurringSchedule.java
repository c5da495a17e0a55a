package io.conveyor.common;

import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.JobParameter;
import org.jobrunr.jobs.RecurringJob;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * How a Conveyor recurring job is kept as a JobRunr {@link RecurringJob} (so that the dashboard's Recurring jobs page
 * shows it), and which job each of its fire times makes.
 *
 * <p>The recurring job's only job parameter is the submission as its client gave it ({@code "job"} of
 * {@code PUT /recurring/{name}}), JSON text: the API writes it without the worker's classes, and the worker reads it
 * back with {@link JobSubmissionJson#fromClient}. Its class name names no class: JobRunr's master never runs it (the
 * workers' storage hides recurring jobs from it), the workers make each fire's job themselves.
 */
public final class RecurringSchedule {

    /** What the dashboard shows as the recurring job's signature: no class, see above. */
    public static final String DETAILS_CLASS = "conveyor.RecurringSubmission";
    public static final String DETAILS_METHOD = "submit";
    /** A recurring job's name: a path segment, and within what JobRunr takes as a recurring job id. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    public static final String NAME_RULE = "must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit";

    private RecurringSchedule() {
    }

    /** The job details that carry the client's submission JSON. */
    public static JobDetails details(String jobJson) {
        return new JobDetails(DETAILS_CLASS, null, DETAILS_METHOD, List.of(new JobParameter(String.class, jobJson)));
    }

    /** The client's submission JSON that {@link #details} stored. */
    public static String jobJson(RecurringJob recurring) {
        return jobJson(recurring.getJobDetails());
    }

    /** The client's submission JSON in job details that {@link #isSubmission} accepts. */
    public static String jobJson(JobDetails details) {
        return String.valueOf(details.getJobParameters().getFirst().getObject());
    }

    /**
     * Whether these are a recurring job's details (made by {@link #details}): what JobRunr's dashboard copies into the
     * job its Trigger button saves.
     */
    public static boolean isSubmission(JobDetails details) {
        return details != null && DETAILS_CLASS.equals(details.getClassName()) && DETAILS_METHOD.equals(details.getMethodName())
                && details.getJobParameters().size() == 1;
    }

    /**
     * The id of the job made for this fire time: the same on every worker, so that the ledger's insert lets only one
     * of them make it.
     */
    public static UUID jobId(String name, Instant fireTime) {
        return UUID.nameUUIDFromBytes(("conveyor-recurring:" + name + "@" + fireTime).getBytes(StandardCharsets.UTF_8));
    }

    /** The fire times from {@code from} (inclusive) to {@code upTo} (inclusive), in order. */
    public static List<Instant> fireTimes(RecurringJob recurring, Instant from, Instant upTo) {
        List<Instant> times = new ArrayList<>();
        ZoneId zone = ZoneId.of(recurring.getZoneId());
        Instant next = recurring.getSchedule().next(recurring.getCreatedAt(), from.minusMillis(1), zone);
        while (next != null && !next.isAfter(upTo)) {
            times.add(next);
            next = recurring.getSchedule().next(recurring.getCreatedAt(), next, zone);
        }
        return times;
    }

    /** The next {@code count} fire times after {@code after}. */
    public static List<Instant> nextRuns(RecurringJob recurring, Instant after, int count) {
        List<Instant> times = new ArrayList<>();
        ZoneId zone = ZoneId.of(recurring.getZoneId());
        Instant next = after;
        for (int i = 0; i < count; i++) {
            next = recurring.getSchedule().next(recurring.getCreatedAt(), next, zone);
            if (next == null) {
                break;
            }
            times.add(next);
        }
        return times;
    }
}
