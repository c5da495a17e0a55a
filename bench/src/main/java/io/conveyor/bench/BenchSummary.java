package io.conveyor.bench;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Collectors;

/** The generated part of the "Conveyor vs plain JobRunr" section: when and where it ran, how, the table, and every sample. */
final class BenchSummary {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    private BenchSummary() {
    }

    static String markdown(BenchCommand.Settings settings, List<String> machine, String table, Results results,
                           List<SystemUnderBench> systems, Instant began, Instant ended, String loadBefore, String loadAfter) {
        StringBuilder md = new StringBuilder();
        md.append("Run of ").append(WHEN.format(began)).append(", ")
                .append(Duration.between(began, ended).toSeconds()).append(" s in all. Load average (1, 5, 15 min) before: ")
                .append(loadBefore).append("; after: ").append(loadAfter).append(".\n\n");
        machine.forEach(line -> md.append("- ").append(line).append('\n'));
        md.append("- run: ").append(settings.describe()).append("\n\n");
        md.append(table).append('\n');
        md.append("Medians of ").append(settings.repeats()).append(" repetition").append(settings.repeats() == 1 ? "" : "s")
                .append(". The ratio is Conveyor ÷ JobRunr: for rates more is better, for latency and memory less is better.\n\n");
        md.append("<details><summary>Every sample</summary>\n\n");
        for (Measure measure : Measure.values()) {
            for (SystemUnderBench system : systems) {
                List<Double> samples = results.samples(system, measure);
                if (!samples.isEmpty()) {
                    md.append("- ").append(measure.label).append(", ").append(system.heading()).append(": ")
                            .append(samples.stream().map(BenchReport::number).collect(Collectors.joining(", ")))
                            .append(' ').append(measure.unit).append('\n');
                }
            }
        }
        md.append("\n</details>\n");
        return md.toString();
    }
}
