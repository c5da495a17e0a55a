package io.conveyor.api;

import io.conveyor.common.InvalidJobException;
import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnknownTypeCheckTest {

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-02T00:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    private static JobSubmission job(String type) {
        return new JobSubmission(UUID.randomUUID(), type, null, 1, List.of(), Instant.EPOCH);
    }

    @Test
    void aTypeNoWorkerAnnouncedIsRefusedNamingTheKnownOnesUnlessAllowed() {
        UnknownTypeCheck check = new UnknownTypeCheck(() -> Set.of("noop", "sort"), clock);
        assertThatCode(() -> check.check(job("noop"), false)).doesNotThrowAnyException();
        assertThatThrownBy(() -> check.check(job("nop"), false)).isInstanceOf(InvalidJobException.class)
                .hasMessageContaining("'nop'").hasMessageContaining("[noop, sort]").hasMessageContaining(UnknownTypeCheck.FIELD)
                .satisfies(e -> assertThat(((InvalidJobException) e).field()).isEqualTo("type"));
        assertThatCode(() -> check.check(job("nop"), true)).doesNotThrowAnyException();
    }

    @Test
    void everyTypeGoesThroughBeforeAnyWorkerAnnouncedAndWhileTheLedgerCannotBeRead() {
        assertThatCode(() -> new UnknownTypeCheck(Set::of, clock).check(job("anything"), false)).doesNotThrowAnyException();
        UnknownTypeCheck unreadable = new UnknownTypeCheck(() -> {
            throw new LedgerUnavailableException("down", null);
        }, clock);
        assertThatCode(() -> unreadable.check(job("anything"), false)).doesNotThrowAnyException();
    }

    @Test
    void whileTheLedgerCannotBeReadItIsTriedOnceAMomentNotAtEverySubmission() {
        AtomicInteger reads = new AtomicInteger();
        UnknownTypeCheck unreadable = new UnknownTypeCheck(() -> {
            reads.incrementAndGet();
            throw new LedgerUnavailableException("down", null);
        }, clock);
        for (int i = 0; i < 100; i++) {
            unreadable.check(job("sleep"), false);
        }
        assertThat(reads).as("reads tried by 100 submissions at once").hasValue(1);
        now.set(now.get().plus(Duration.ofSeconds(6)));
        unreadable.check(job("sleep"), false);
        assertThat(reads).as("and again a moment later").hasValue(2);
    }

    @Test
    void aTypeAnnouncedMeanwhileIsBelievedWithinAMomentAndKnownTypesAreNotReadAtEverySubmission() {
        AtomicReference<Set<String>> announced = new AtomicReference<>(Set.of("noop"));
        AtomicInteger reads = new AtomicInteger();
        UnknownTypeCheck check = new UnknownTypeCheck(() -> {
            reads.incrementAndGet();
            return announced.get();
        }, clock);
        check.check(job("noop"), false);
        check.check(job("noop"), false);
        assertThat(reads).hasValue(1);

        announced.set(Set.of("noop", "line-count"));
        now.set(now.get().plus(Duration.ofSeconds(1)));
        assertThatCode(() -> check.check(job("line-count"), false)).doesNotThrowAnyException();
        assertThat(reads).hasValue(2);
    }

    @Test
    void theDoorsFieldIsTakenOffTheSubmissionAndMustBeABoolean() {
        UnknownTypeCheck.Taken taken = UnknownTypeCheck.take(JobSubmissionJson.MAPPER.createObjectNode().put("type", "x").put(UnknownTypeCheck.FIELD, true));
        assertThat(taken.allowUnknownType()).isTrue();
        assertThat(taken.body().has(UnknownTypeCheck.FIELD)).isFalse();
        assertThat(UnknownTypeCheck.take(JobSubmissionJson.MAPPER.createObjectNode().put("type", "x")).allowUnknownType()).isFalse();
        assertThatThrownBy(() -> UnknownTypeCheck.take(JobSubmissionJson.MAPPER.createObjectNode().put(UnknownTypeCheck.FIELD, "yes")))
                .isInstanceOf(InvalidJobException.class);
    }
}
