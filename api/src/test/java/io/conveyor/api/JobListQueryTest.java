package io.conveyor.api;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class JobListQueryTest {

    @Test
    void aCursorGivesBackThePositionItWasMadeFrom() {
        JobListQuery.Position position = new JobListQuery.Position("2026-12-02 00:16:09.227314", UUID.randomUUID().toString());

        assertThat(JobListQuery.parseCursor(JobListQuery.cursor(position))).hasValue(position);
    }

    @Test
    void anythingElseIsNoCursor() {
        assertThat(JobListQuery.parseCursor("nonsense!")).isEmpty();
        assertThat(JobListQuery.parseCursor(encode("v2|2026-12-02 00:16:09|not-a-uuid"))).isEmpty();
        assertThat(JobListQuery.parseCursor(encode("v2|yesterday|" + UUID.randomUUID()))).isEmpty();
        assertThat(JobListQuery.parseCursor(encode("v2|2026-12-02 00:16:09'; drop table x|" + UUID.randomUUID()))).isEmpty();
        assertThat(JobListQuery.parseCursor(encode("v1|2026-12-02 00:16:09|" + UUID.randomUUID()))).isEmpty();
    }

    private static String encode(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
    }
}
