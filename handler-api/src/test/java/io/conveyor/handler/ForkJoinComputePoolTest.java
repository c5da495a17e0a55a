package io.conveyor.handler;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

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
                .allMatch(name -> name.startsWith("conveyor-compute-"));
    }

    @Test
    void splitRangeCombinesInRangeOrder() throws InterruptedException {
        try (ForkJoinComputePool pool = new ForkJoinComputePool(3)) {
            String joined = pool.splitRange(0, 40, (from, to) -> from + "-" + to + ";", String::concat);
            String[] chunks = joined.split(";");
            assertThat(chunks).hasSizeGreaterThan(1);
            // Every chunk starts where the one before it ended: the whole range, each part once, in order.
            long expectedFrom = 0;
            for (String chunk : chunks) {
                String[] bounds = chunk.split("-");
                assertThat(Long.parseLong(bounds[0])).as("start of %s in %s", chunk, joined).isEqualTo(expectedFrom);
                expectedFrom = Long.parseLong(bounds[1]);
                assertThat(expectedFrom).as("end of %s", chunk).isGreaterThan(Long.parseLong(bounds[0]));
            }
            assertThat(expectedFrom).isEqualTo(40);
        }
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

    @Test
    void mapKeepsTheItemsOrderWhateverTheScheduling() throws Exception {
        List<Integer> items = IntStream.range(0, 500).boxed().toList();
        CountDownLatch lastDone = new CountDownLatch(1);
        List<Integer> finished = Collections.synchronizedList(new ArrayList<>());
        try (ForkJoinComputePool pool = new ForkJoinComputePool(4)) {
            List<String> results = pool.map(items, item -> {
                // The first item cannot finish before the last: the items surely finish out of order.
                if (item == 0) {
                    awaitOrFail(lastDone);
                }
                finished.add(item);
                if (item == 499) {
                    lastDone.countDown();
                }
                return "item-" + item;
            });
            assertThat(finished.indexOf(0)).as("the first item finished after the last").isGreaterThan(finished.indexOf(499));
            assertThat(results).containsExactlyElementsOf(items.stream().map(item -> "item-" + item).toList());
        }
    }

    @Test
    void mapRethrowsATasksIOExceptionAsItIsAndSkipsWhatHadNotStarted() throws InterruptedException {
        AtomicInteger started = new AtomicInteger();
        try (ForkJoinComputePool pool = new ForkJoinComputePool(1)) {
            assertThatThrownBy(() -> pool.map(IntStream.range(0, 100).boxed().toList(), item -> {
                started.incrementAndGet();
                if (item == 0) {
                    throw new java.nio.file.NoSuchFileException("gone.txt");
                }
                return item;
            })).isInstanceOf(java.nio.file.NoSuchFileException.class).hasMessage("gone.txt");
        }
        assertThat(started.get()).as("items started: the one that failed, none after it on the pool's one thread").isEqualTo(1);
    }

    @Test
    void forEachFileStartsTheLargestFilesFirstAndAnswersInTheFilesOrder() throws Exception {
        List<DataFile> files = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            files.add(new DataFile(Path.of("f" + i), "f" + i, i == 13 ? 1_000_000 : i));
        }
        List<String> startOrder = Collections.synchronizedList(new ArrayList<>());
        try (ForkJoinComputePool pool = new ForkJoinComputePool(1)) {
            List<String> results = pool.forEachFile(files, file -> {
                startOrder.add(file.relative());
                return file.relative().toUpperCase();
            });
            assertThat(results).containsExactlyElementsOf(files.stream().map(file -> file.relative().toUpperCase()).toList());
        }
        assertThat(startOrder).startsWith("f13", "f19", "f18");
    }

    @Test
    void reduceCombinesNeighboursInOrderAndGivesTheEmptyValueForNothing() throws InterruptedException {
        try (ForkJoinComputePool pool = new ForkJoinComputePool(3)) {
            List<String> letters = IntStream.range(0, 11).mapToObj(i -> String.valueOf((char) ('a' + i))).toList();
            assertThat(pool.reduce(letters, "", String::concat)).isEqualTo("abcdefghijk");
            assertThat(pool.reduce(List.of(), "nothing", String::concat)).isEqualTo("nothing");
            assertThat(pool.reduce(List.of("one"), "", String::concat)).isEqualTo("one");
        }
    }

    private static void awaitOrFail(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the last item never ran while the first waited");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
