package io.conveyor.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PendingSubmissionsTest {

    private static final long ONE = PendingSubmissions.COPIES * (1_000 + PendingSubmissions.REQUEST_OVERHEAD_BYTES);

    @Test
    void requestsBeyondTheLimitAreRefusedUntilOneEnds() {
        PendingSubmissions pending = new PendingSubmissions(3 * ONE, 1_000_000);
        PendingSubmissions.Admission first = pending.admit(1_000);
        pending.admit(1_000);
        pending.admit(1_000);
        assertThatThrownBy(() -> pending.admit(1_000)).isInstanceOf(SubmissionsOverloadedException.class);
        assertThat(pending.pendingBytes()).isEqualTo(3 * ONE);
        first.close();
        pending.admit(1_000);
        assertThat(pending.pendingBytes()).isEqualTo(3 * ONE);
    }

    @Test
    void aBodyOfUnknownLengthIsChargedAsTheLargestAllowed() {
        PendingSubmissions pending = new PendingSubmissions(10 * ONE, 1_000_000);
        pending.admit(-1);
        assertThat(pending.pendingBytes()).isEqualTo(PendingSubmissions.COPIES * (1_000_000 + PendingSubmissions.REQUEST_OVERHEAD_BYTES));
    }

    @Test
    void oneRequestLargerThanTheLimitIsAdmittedWhenNothingElseWaits() {
        PendingSubmissions pending = new PendingSubmissions(ONE, 1_000_000);
        try (PendingSubmissions.Admission big = pending.admit(500_000)) {
            assertThatThrownBy(() -> pending.admit(1)).isInstanceOf(SubmissionsOverloadedException.class);
        }
        assertThat(pending.pendingBytes()).isZero();
    }
}
