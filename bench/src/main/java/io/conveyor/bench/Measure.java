package io.conveyor.bench;

/**
 * A row of the results table: what is measured, its unit, and whether less is better (which the ratio column's
 * reader needs to know).
 */
enum Measure {
    IDLE_START_P50("Idle latency, submit→start, p50", "ms", true),
    IDLE_START_P95("Idle latency, submit→start, p95", "ms", true),
    IDLE_START_MAX("Idle latency, submit→start, max", "ms", true),
    IDLE_DONE_P50("Idle latency, submit→succeeded, p50", "ms", true),
    IDLE_DONE_P95("Idle latency, submit→succeeded, p95", "ms", true),
    IDLE_DONE_MAX("Idle latency, submit→succeeded, max", "ms", true),
    NOOP_END_TO_END("Throughput, noop, end to end", "jobs/s", false),
    NOOP_INTAKE("Intake during that run (batches)", "jobs/s", false),
    NOOP_CPU_WORKERS("noop: CPU per job, worker JVMs", "ms", true),
    NOOP_CPU_POSTGRES("noop: CPU per job, PostgreSQL", "ms", true),
    NOOP_CPU_BENCH("noop: CPU per job, benchmark JVM (client; Conveyor's API and broker)", "ms", true),
    NOOP_COMMITS("noop: ledger commits per job", "commits", true),
    NOOP_ROW_WRITES("noop: ledger row writes per job", "rows", true),
    NOOP_STATEMENTS("noop: ledger statements per job (pg_stat_statements, where loaded)", "statements", true),
    PRIMES_END_TO_END("CPU-bound, primes, end to end", "jobs/s", false),
    SLEEP_END_TO_END("Waiting jobs, sleep 100 ms, each at its defaults", "jobs/s", false),
    SINGLE_SUBMITS("Single submissions, concurrent clients", "req/s", false),
    WORKER_RSS_WARM("Worker JVM RSS, idle after warm-up", "MiB", true),
    WORKER_RSS_AFTER("Worker JVM RSS, idle after the runs", "MiB", true),
    API_RSS("API JVM RSS, idle after load", "MiB", true);

    final String label;
    final String unit;
    final boolean lessIsBetter;

    Measure(String label, String unit, boolean lessIsBetter) {
        this.label = label;
        this.unit = unit;
        this.lessIsBetter = lessIsBetter;
    }
}
