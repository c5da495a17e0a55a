package io.conveyor.worker.handlers;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SplitWorkTest {

    @Test
    void cutsFilesIntoContiguousGroupsOfAboutEqualBytesNoneEmpty() {
        List<int[]> groups = SplitWork.contiguousGroups(new long[]{10, 10, 10, 10, 10, 10}, 3);
        assertThat(groups).extracting(group -> group[0] + "-" + group[1]).containsExactly("0-2", "2-4", "4-6");

        List<int[]> skewed = SplitWork.contiguousGroups(new long[]{100, 1, 1, 1}, 3);
        assertThat(skewed.getFirst()).containsExactly(0, 1);
        assertThat(skewed.getLast()[1]).as("every file in a group").isEqualTo(4);
        assertThat(skewed).allSatisfy(group -> assertThat(group[1]).isGreaterThan(group[0])).hasSizeLessThanOrEqualTo(3);
    }

    @Test
    void neverMoreGroupsThanFilesNorThanAsked() {
        assertThat(SplitWork.contiguousGroups(new long[]{5, 0}, 8)).hasSize(2);
        assertThat(SplitWork.contiguousGroups(new long[]{1}, 4)).hasSize(1);
        assertThat(SplitWork.contiguousGroups(new long[]{}, 4)).isEmpty();
        assertThat(SplitWork.contiguousGroups(new long[]{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 4)).hasSize(4);
    }
}
