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

    public Topics {
        if (prefix == null || !prefix.matches("[A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("topic prefix may hold only letters, digits, '.', '_' and '-': " + prefix);
        }
    }

    /** Job requests accepted by the API, keyed by job id. */
    public String jobs() {
        return prefix + "jobs";
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
