package io.conveyor.api;

import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A batch's members kept in a temporary file: read back whole, in order, in bounded chunks; the file gone after. */
class MemberSpillTest {

    private static final Instant ACCEPTED = Instant.parse("2026-03-04T05:06:07.089Z");
    private static final UUID BATCH = UUID.randomUUID();

    @Test
    void membersComeBackAsTheyWentInInChunksOfAtMostTheCount() {
        List<JobSubmission> added = new ArrayList<>();
        try (MemberSpill spill = MemberSpill.create()) {
            for (int i = 0; i < 2500; i++) {
                JobSubmission member = JobSubmissionJson.fromClient(JobSubmissionJson.MAPPER.createObjectNode().put("type", "noop")
                        .set("payload", JobSubmissionJson.MAPPER.createObjectNode().put("i", i)), UUID.randomUUID(), ACCEPTED).inBatch(BATCH);
                spill.add(member);
                added.add(member);
            }
            assertThat(spill.size()).isEqualTo(2500);

            List<Integer> sizes = new ArrayList<>();
            List<JobSubmission> read = new ArrayList<>();
            try (MemberSpill.Members members = spill.read()) {
                for (List<JobSubmission> chunk; !(chunk = members.nextChunk(1000, Long.MAX_VALUE, ACCEPTED)).isEmpty(); ) {
                    sizes.add(chunk.size());
                    read.addAll(chunk);
                }
            }
            assertThat(sizes).containsExactly(1000, 1000, 500);
            assertThat(read).extracting(JobSubmission::id).isEqualTo(added.stream().map(JobSubmission::id).toList());
            assertThat(read).extracting(JobSubmission::batch).containsOnly(BATCH);
            assertThat(read.get(1234).payload().get("i").asInt()).isEqualTo(1234);
            assertThat(read).extracting(JobSubmission::acceptedAt).containsOnly(ACCEPTED);

            List<UUID> ids = new ArrayList<>();
            try (MemberSpill.Members members = spill.read()) {
                for (UUID id; (id = members.nextIdOnly()) != null; ) {
                    ids.add(id);
                }
            }
            assertThat(ids).isEqualTo(added.stream().map(JobSubmission::id).toList());
        }
    }

    @Test
    void aChunkStopsAtItsBytesButHoldsAtLeastOneMember() {
        try (MemberSpill spill = MemberSpill.create()) {
            for (int i = 0; i < 3; i++) {
                spill.add(JobSubmissionJson.fromClient(JobSubmissionJson.MAPPER.createObjectNode().put("type", "noop"), UUID.randomUUID(), ACCEPTED));
            }
            try (MemberSpill.Members members = spill.read()) {
                assertThat(members.nextChunk(1000, 1, ACCEPTED)).hasSize(1);
                assertThat(members.nextChunk(1000, spill.recordBytes(), ACCEPTED)).hasSize(2);
                assertThat(members.nextChunk(1000, 1, ACCEPTED)).isEmpty();
            }
        }
    }

    @Test
    void theFileIsGoneOnceClosed() {
        Path file;
        try (MemberSpill spill = MemberSpill.create()) {
            spill.add(JobSubmissionJson.fromClient(JobSubmissionJson.MAPPER.createObjectNode().put("type", "noop"), UUID.randomUUID(), ACCEPTED));
            file = spill.file();
            assertThat(file).exists();
        }
        assertThat(file).doesNotExist();
    }
}
