package io.conveyor.bench;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The results table in Markdown: one column per system (Conveyor first), and after each baseline the ratio
 * Conveyor/baseline of that row.
 */
final class BenchReport {

    private BenchReport() {
    }

    static String table(List<SystemUnderBench> systems, Results results, int clients) {
        SystemUnderBench conveyor = systems.getFirst();
        List<SystemUnderBench> baselines = systems.subList(1, systems.size());
        StringBuilder table = new StringBuilder("| measure | ").append(conveyor.heading()).append(" |");
        StringBuilder rule = new StringBuilder("|---|---:|");
        for (SystemUnderBench baseline : baselines) {
            table.append(' ').append(baseline.heading()).append(" | Conveyor/JobRunr |");
            rule.append("---:|---:|");
        }
        table.append('\n').append(rule).append('\n');
        for (Measure measure : Measure.values()) {
            if (systems.stream().allMatch(system -> results.median(system, measure).isEmpty())) {
                continue;
            }
            String label = measure == Measure.SINGLE_SUBMITS ? "Single submissions, " + clients + " concurrent clients" : measure.label;
            Optional<Double> ours = results.median(conveyor, measure);
            table.append("| ").append(label).append(" (").append(measure.unit).append(") | ").append(value(ours)).append(" |");
            for (SystemUnderBench baseline : baselines) {
                Optional<Double> theirs = results.median(baseline, measure);
                table.append(' ').append(value(theirs)).append(" | ").append(ratio(ours, theirs)).append(" |");
            }
            table.append('\n');
        }
        return table.toString();
    }

    static String value(Optional<Double> value) {
        return value.map(BenchReport::number).orElse("n/a");
    }

    /** Two significant digits under 100, whole numbers with thousands separators above. */
    static String number(double value) {
        if (Math.abs(value) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        if (value == 0) {
            return "0";
        }
        return new BigDecimal(value).round(new MathContext(2)).stripTrailingZeros().toPlainString();
    }

    static String ratio(Optional<Double> ours, Optional<Double> theirs) {
        if (ours.isEmpty() || theirs.isEmpty() || theirs.get() == 0) {
            return "n/a";
        }
        return number(ours.get() / theirs.get()) + "×";
    }
}
