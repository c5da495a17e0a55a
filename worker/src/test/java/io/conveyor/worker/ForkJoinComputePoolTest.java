package io.conveyor.worker;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ForkJoinComputePoolTest {

    @Test
    void splitRangeCoversEveryNumberExactlyOnce() throws InterruptedException {
        try (ForkJoinComputePool pool = new ForkJoinComputePool(4)) {
            long sum = pool.splitRange(0, 100_001, (from, to) -> {
                long partial = 0;
                for (long n = from; n < to; n++) {
                    partial += n;
                }
                return partial;
            }, Long::sum);
            assertThat(sum).isEqualTo(100_000L * 100_001 / 2);
        }
    }

    @Test
    void splitRangeRunsOnThePoolsOwnThreadsNotTheCallers() throws InterruptedException {
        Set<String> threads = ConcurrentHashMap.newKeySet();
        try (ForkJoinComputePool pool = new ForkJoinComputePool(2)) {
            pool.splitRange(0, 1_000, (from, to) -> {
                threads.add(Thread.currentThread().getName());
                return 0L;
            }, Long::sum);
        }
        assertThat(threads).isNotEmpty().noneMatch(name -> name.equals(Thread.currentThread().getName()))
                .noneMatch(name -> name.contains("commonPool"));
    }

    @Test
    void aFailingChunkFailsTheWholeCall() {
        try (ForkJoinComputePool pool = new ForkJoinComputePool(2)) {
            assertThatThrownBy(() -> pool.splitRange(0, 100, (from, to) -> {
                if (from == 0) {
                    throw new IllegalArgumentException("bad chunk");
                }
                return 0L;
            }, Long::sum)).isInstanceOf(IllegalArgumentException.class).hasMessage("bad chunk");
        }
    }

    @Test
    void emptyRangeStillAsksTheTaskOnce() throws InterruptedException {
        try (ForkJoinComputePool pool = new ForkJoinComputePool(2)) {
            assertThat(pool.splitRange(5, 5, (from, to) -> 42L, Long::sum)).isEqualTo(42L);
        }
    }
}
