package io.conveyor.worker.handlers;

import java.util.concurrent.CancellationException;

import io.conveyor.handler.Payloads;
import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.Json;
import io.conveyor.handler.ProgressCounter;

/**
 * {@code primes} {@code {"from": a, "to": b}}: counts the primes in [a, b), split across the worker's compute pool;
 * progress counts the numbers examined.
 */
public final class PrimesHandler implements JobHandler {

    /** Largest range one job may cover, so that one request cannot occupy a worker for hours. */
    public static final long MAX_RANGE = 1_000_000_000L;

    @Override
    public String type() {
        return "primes";
    }

    @Override
    public JsonNode handle(JobContext context) throws InterruptedException {
        long from = Payloads.longField(context.payload(), "from", 0, Long.MAX_VALUE - 1);
        long to = Payloads.longField(context.payload(), "to", from, from + MAX_RANGE);
        ProgressCounter progress = context.progressCounter(to - from);
        long count = context.compute().splitRange(from, to, (chunkFrom, chunkTo) -> {
            long primes = countPrimes(chunkFrom, chunkTo);
            progress.add(chunkTo - chunkFrom);
            return primes;
        }, Long::sum);
        return Json.MAPPER.createObjectNode().put("from", from).put("to", to).put("count", count);
    }

    /** Public so that the benchmark's plain-JobRunr baseline counts primes with exactly this code. */
    public static long countPrimes(long from, long to) {
        long count = 0;
        for (long n = from; n < to; n++) {
            if ((n & 1023) == 0 && Thread.currentThread().isInterrupted()) {
                // the job was stopped (cancelled, timed out): the compute pool interrupts the parts it still runs
                throw new CancellationException("interrupted at " + n);
            }
            if (isPrime(n)) {
                count++;
            }
        }
        return count;
    }

    static boolean isPrime(long n) {
        if (n < 2) {
            return false;
        }
        if (n % 2 == 0) {
            return n == 2;
        }
        for (long d = 3; d * d <= n; d += 2) {
            if (n % d == 0) {
                return false;
            }
        }
        return true;
    }
}
