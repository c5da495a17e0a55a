package io.conveyor.common;

import org.jobrunr.jobs.RecurringJob;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class RecurringScheduleTest {

    private static final Instant CREATED = Instant.parse("2026-03-29T00:00:00Z");

    @Test
    void fireTimesIncludeBothEndsOfTheWindowOnTheSecond() {
        RecurringJob every5s = recurring("*/5 * * * * *", "UTC");

        assertThat(RecurringSchedule.fireTimes(every5s, Instant.parse("2026-03-29T10:00:05Z"), Instant.parse("2026-03-29T10:00:15Z")))
                .containsExactly(Instant.parse("2026-03-29T10:00:05Z"), Instant.parse("2026-03-29T10:00:10Z"), Instant.parse("2026-03-29T10:00:15Z"));
        assertThat(RecurringSchedule.fireTimes(every5s, Instant.parse("2026-03-29T10:00:05.001Z"), Instant.parse("2026-03-29T10:00:09.999Z")))
                .isEmpty();
    }

    @Test
    void theCronIsReadInItsZoneAcrossADaylightSavingChange() {
        // 9:00 in Paris is 8:00 UTC before the change to summer time (2026-03-29) and 7:00 UTC after it.
        RecurringJob nineInParis = recurring("0 9 * * *", "Europe/Paris");

        assertThat(RecurringSchedule.nextRuns(nineInParis, Instant.parse("2026-03-28T00:00:00Z"), 2))
                .containsExactly(Instant.parse("2026-03-28T08:00:00Z"), Instant.parse("2026-03-29T07:00:00Z"));
    }

    @Test
    void aFireTimesJobIdIsTheSameEverywhereAndDiffersByNameAndTime() {
        Instant at = Instant.parse("2026-03-29T10:00:05Z");

        assertThat(RecurringSchedule.jobId("nightly", at)).isEqualTo(RecurringSchedule.jobId("nightly", at))
                .isNotEqualTo(RecurringSchedule.jobId("nightly", at.plusSeconds(5)))
                .isNotEqualTo(RecurringSchedule.jobId("hourly", at));
    }

    @Test
    void theSubmissionIsKeptAsTheClientGaveIt() {
        String job = "{\"type\":\"noop\",\"labels\":[\"a\"]}";

        assertThat(RecurringSchedule.jobJson(new RecurringJob("r", RecurringSchedule.details(job), "0 9 * * *", "UTC", RecurringJob.CreatedBy.API, CREATED)))
                .isEqualTo(job);
    }

    private static RecurringJob recurring(String cron, String zone) {
        return new RecurringJob("r", RecurringSchedule.details("{\"type\":\"noop\"}"), cron, zone, RecurringJob.CreatedBy.API, CREATED);
    }
}
