package io.conveyor.bench;

/**
 * A job the benchmark submits to both systems: {@code noop}, or {@code primes} over [from, to).
 *
 * @param type Conveyor's job type
 */
record BenchJob(String type, long from, long to) {

    static final BenchJob NOOP = new BenchJob("noop", 0, 0);

    static BenchJob primes(long from, long to) {
        return new BenchJob("primes", from, to);
    }

    boolean isPrimes() {
        return type.equals("primes");
    }

    /** The job as Conveyor's HTTP API takes it. */
    String json() {
        return isPrimes()
                ? "{\"type\":\"primes\",\"payload\":{\"from\":" + from + ",\"to\":" + to + "}}"
                : "{\"type\":\"" + type + "\"}";
    }
}
