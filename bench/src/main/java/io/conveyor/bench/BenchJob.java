package io.conveyor.bench;

/**
 * A job the benchmark submits to both systems: {@code noop}, {@code primes} over [from, to), or {@code sleep} for
 * {@code from} milliseconds.
 *
 * @param type Conveyor's job type
 */
record BenchJob(String type, long from, long to) {

    static final BenchJob NOOP = new BenchJob("noop", 0, 0);

    static BenchJob primes(long from, long to) {
        return new BenchJob("primes", from, to);
    }

    /** A job that waits {@code millis} and uses no CPU meanwhile: the commonest kind of background job. */
    static BenchJob sleep(long millis) {
        return new BenchJob("sleep", millis, millis);
    }

    boolean isSleep() {
        return type.equals("sleep");
    }

    boolean isPrimes() {
        return type.equals("primes");
    }

    /** The job as Conveyor's HTTP API takes it. */
    String json() {
        if (isPrimes()) {
            return "{\"type\":\"primes\",\"payload\":{\"from\":" + from + ",\"to\":" + to + "}}";
        }
        return isSleep() ? "{\"type\":\"sleep\",\"payload\":{\"millis\":" + from + "}}" : "{\"type\":\"" + type + "\"}";
    }
}
