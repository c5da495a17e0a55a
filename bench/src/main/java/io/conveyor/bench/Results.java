package io.conveyor.bench;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Every sample the benchmark took, by system and measure; the table shows each one's median over the repetitions. */
final class Results {

    private final Map<String, Map<Measure, List<Double>>> samples = new LinkedHashMap<>();

    synchronized void add(SystemUnderBench system, Measure measure, double value) {
        samples.computeIfAbsent(system.heading(), heading -> new EnumMap<>(Measure.class))
                .computeIfAbsent(measure, m -> new ArrayList<>()).add(value);
    }

    void addIdle(SystemUnderBench system, IdleLatency.Result idle) {
        add(system, Measure.IDLE_START_P50, idle.startP50());
        add(system, Measure.IDLE_START_P95, idle.startP95());
        add(system, Measure.IDLE_START_MAX, idle.startMax());
        add(system, Measure.IDLE_DONE_P50, idle.doneP50());
        add(system, Measure.IDLE_DONE_P95, idle.doneP95());
        add(system, Measure.IDLE_DONE_MAX, idle.doneMax());
    }

    /** The median of the samples, or empty if the measure does not apply to this system. */
    synchronized Optional<Double> median(SystemUnderBench system, Measure measure) {
        List<Double> values = samples.getOrDefault(system.heading(), Map.of()).get(measure);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(Stats.median(values));
    }

    /** The samples, as taken, for the record. */
    synchronized List<Double> samples(SystemUnderBench system, Measure measure) {
        return List.copyOf(samples.getOrDefault(system.heading(), Map.of()).getOrDefault(measure, List.of()));
    }
}
