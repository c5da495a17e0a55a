package io.conveyor.common;

/**
 * The Kafka topics Conveyor uses, named under one prefix so that several installations (or test runs) can share a broker.
 *
 * @param prefix prepended to every topic and consumer-group name, e.g. {@code conveyor.}
 */
public record Topics(String prefix) {

    public static final String PREFIX_DEFAULT = "conveyor.";
    /** Partitions of the jobs topic: the most worker processes that take part in intake at once. */
    public static final int JOBS_PARTITIONS = 12;
    /** Partitions of the events topic. */
    public static final int EVENTS_PARTITIONS = 6;
    /** Partitions of the dead-letter topic: it holds only records that could never become jobs, read by hand. */
    public static final int DEAD_JOBS_PARTITIONS = 1;

    public Topics {
        if (prefix == null || !prefix.matches("[A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("topic prefix may hold only letters, digits, '.', '_' and '-': " + prefix);
        }
    }

    /** Job requests accepted by the API, keyed by job id. */
    public String jobs() {
        return prefix + "jobs";
    }

    /**
     * Records of the jobs topic that could not become jobs and carried no job id to record their failure under,
     * copied as they were with a header saying why.
     */
    public String deadJobs() {
        return prefix + "jobs.dead";
    }

    /** Lifecycle events of jobs, keyed by job id. */
    public String events() {
        return prefix + "events";
    }

    /** The consumer group that all worker processes join to share intake. */
    public String workerGroup() {
        return prefix + "workers";
    }
}
