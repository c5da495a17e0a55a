package io.conveyor.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a soak ({@code conveyor bench --soak}) saw at each checkpoint, and its verdicts: whether each JVM's RSS stayed
 * within {@link #RSS_LIMIT} of its figure at the baseline checkpoint (the first after {@link #BASELINE_JOBS} jobs, as
 * the issue that asked for the soak put it), and whether the ledger stayed bounded: never more rows than retention
 * allows at the fastest rate seen ({@link #rowBound()}).
 *
 * @param checkpoints   in order
 * @param horizon       how long a finished job can stay in the ledger: both retention settings and a retention round
 *                      after each
 * @param inFlight      the most jobs the soak's clients have submitted and not yet seen succeed
 */
record SoakReport(List<Checkpoint> checkpoints, Duration horizon, long inFlight) {

    /** RSS may grow this much over the baseline. */
    static final double RSS_LIMIT = 1.20;
    /** The baseline is the first checkpoint with at least this many jobs done that has a later one to compare. */
    static final long BASELINE_JOBS = 100_000;
    /** Room over the fastest segment's rate for faster moments within a segment. */
    static final double RATE_SLACK = 1.20;
    /** The order states are shown in; any other state follows. */
    private static final List<String> STATES = List.of("ENQUEUED", "PROCESSING", "SUCCEEDED", "DELETED", "FAILED", "SCHEDULED", "AWAITING");

    /**
     * One checkpoint.
     *
     * @param jobsDone   jobs that succeeded so far (including those retention deleted since)
     * @param elapsed    since the first submission
     * @param rssMiB     the RSS of each JVM judged (the API, each worker), by name, in the same order at every checkpoint
     * @param benchRssMiB the RSS of the benchmark's own JVM (the broker and the clients), shown, not judged
     * @param rowsByState the ledger's jobs by state
     * @param outboxRows the deletions' outbox rows not yet relayed
     * @param tableBytes the jobs table's size with its indexes and TOAST ({@code pg_total_relation_size})
     */
    record Checkpoint(long jobsDone, Duration elapsed, Map<String, Double> rssMiB, double benchRssMiB, Map<String, Long> rowsByState,
                      long outboxRows, long tableBytes) {

        Checkpoint {
            rssMiB = new LinkedHashMap<>(rssMiB);
            rowsByState = new LinkedHashMap<>(rowsByState);
        }

        long rows() {
            return rowsByState.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** One JVM's RSS at the baseline and at its largest after it. */
    record RssGrowth(String jvm, double baselineMiB, double largestAfterMiB) {

        double growth() {
            return largestAfterMiB / baselineMiB - 1;
        }

        boolean withinLimit() {
            return largestAfterMiB <= baselineMiB * RSS_LIMIT;
        }
    }

    SoakReport {
        checkpoints = List.copyOf(checkpoints);
        if (checkpoints.isEmpty()) {
            throw new IllegalArgumentException("a soak report needs a checkpoint");
        }
    }

    /** Jobs per second between checkpoint {@code i} and the one before it (the start, for the first). */
    double segmentRate(int i) {
        Checkpoint now = checkpoints.get(i);
        long doneBefore = i == 0 ? 0 : checkpoints.get(i - 1).jobsDone();
        Duration before = i == 0 ? Duration.ZERO : checkpoints.get(i - 1).elapsed();
        return (now.jobsDone() - doneBefore) / (now.elapsed().minus(before).toNanos() / 1e9);
    }

    int baselineIndex() {
        for (int i = 0; i < checkpoints.size() - 1; i++) {
            if (checkpoints.get(i).jobsDone() >= BASELINE_JOBS) {
                return i;
            }
        }
        return 0;
    }

    /** Each judged JVM's growth from the baseline; empty when there is no checkpoint after the baseline to compare. */
    List<RssGrowth> rssGrowth() {
        int baseline = baselineIndex();
        List<RssGrowth> growth = new ArrayList<>();
        if (baseline == checkpoints.size() - 1) {
            return growth;
        }
        for (Map.Entry<String, Double> jvm : checkpoints.get(baseline).rssMiB().entrySet()) {
            double largest = checkpoints.subList(baseline + 1, checkpoints.size()).stream()
                    .map(checkpoint -> checkpoint.rssMiB().get(jvm.getKey()))
                    .filter(rss -> rss != null)
                    .mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            growth.add(new RssGrowth(jvm.getKey(), jvm.getValue(), largest));
        }
        return growth;
    }

    /** Whether every judged JVM stayed within the limit; empty if the run had no checkpoint after its baseline. */
    Optional<Boolean> rssWithinLimit() {
        List<RssGrowth> growth = rssGrowth();
        return growth.isEmpty() ? Optional.empty() : Optional.of(growth.stream().allMatch(RssGrowth::withinLimit));
    }

    /**
     * The most rows the ledger should hold: the jobs finished within the retention horizon at the fastest segment's rate
     * (with {@link #RATE_SLACK}), plus the jobs in flight.
     */
    long rowBound() {
        double fastest = 0;
        for (int i = 0; i < checkpoints.size(); i++) {
            fastest = Math.max(fastest, segmentRate(i));
        }
        return (long) Math.ceil(fastest * RATE_SLACK * horizon.toNanos() / 1e9) + inFlight;
    }

    long mostRows() {
        return checkpoints.stream().mapToLong(Checkpoint::rows).max().orElseThrow();
    }

    boolean ledgerBounded() {
        return mostRows() <= rowBound();
    }

    /** The checkpoints as a Markdown table, then the verdicts. */
    String markdown() {
        Set<String> jvms = new LinkedHashSet<>();
        Set<String> states = new LinkedHashSet<>(STATES);
        checkpoints.forEach(checkpoint -> jvms.addAll(checkpoint.rssMiB().keySet()));
        checkpoints.forEach(checkpoint -> states.addAll(checkpoint.rowsByState().keySet()));
        states.removeIf(state -> checkpoints.stream().noneMatch(checkpoint -> checkpoint.rowsByState().containsKey(state)));
        StringBuilder text = new StringBuilder("| jobs done | s | jobs/s |");
        jvms.forEach(jvm -> text.append(" RSS ").append(jvm).append(" MiB |"));
        text.append(" RSS bench JVM MiB |");
        states.forEach(state -> text.append(' ').append(state).append(" |"));
        text.append(" outbox | jobs table MiB |\n|");
        text.append("---:|".repeat(4 + jvms.size() + states.size() + 2)).append('\n');
        for (int i = 0; i < checkpoints.size(); i++) {
            Checkpoint checkpoint = checkpoints.get(i);
            text.append(String.format(Locale.ROOT, "| %,d | %.0f | %,.0f |", checkpoint.jobsDone(), checkpoint.elapsed().toMillis() / 1e3, segmentRate(i)));
            for (String jvm : jvms) {
                Double rss = checkpoint.rssMiB().get(jvm);
                text.append(rss == null ? " – |" : String.format(Locale.ROOT, " %.0f |", rss));
            }
            text.append(String.format(Locale.ROOT, " %.0f |", checkpoint.benchRssMiB()));
            for (String state : states) {
                text.append(String.format(Locale.ROOT, " %,d |", checkpoint.rowsByState().getOrDefault(state, 0L)));
            }
            text.append(String.format(Locale.ROOT, " %,d | %.0f |%n", checkpoint.outboxRows(), checkpoint.tableBytes() / 1048576.0));
        }
        text.append('\n').append(verdicts());
        return text.toString();
    }

    /** The verdicts, one line each. */
    String verdicts() {
        Checkpoint baseline = checkpoints.get(baselineIndex());
        Checkpoint last = checkpoints.getLast();
        StringBuilder text = new StringBuilder();
        List<RssGrowth> growth = rssGrowth();
        if (growth.isEmpty()) {
            text.append("- RSS: not judged (no checkpoint after the baseline)\n");
        } else {
            text.append(String.format(Locale.ROOT, "- RSS after the baseline (%,d jobs), largest against the baseline: ", baseline.jobsDone()));
            List<String> parts = new ArrayList<>();
            for (RssGrowth jvm : growth) {
                parts.add(String.format(Locale.ROOT, "%s %.0f → %.0f MiB (%+.1f %%)", jvm.jvm(), jvm.baselineMiB(), jvm.largestAfterMiB(), jvm.growth() * 100));
            }
            text.append(String.join(", ", parts)).append(String.format(Locale.ROOT, ". Within +%.0f %%: **%s**%n", (RSS_LIMIT - 1) * 100,
                    rssWithinLimit().orElseThrow() ? "yes" : "no"));
        }
        text.append(String.format(Locale.ROOT, "- Ledger: at most %,d rows (bound: %.1f × the fastest segment's rate × %d s of retention horizon + %,d in flight"
                        + " = %,d). Bounded: **%s**. Jobs table %.0f MiB at the baseline, %.0f MiB at the end (%+.1f %%)%n",
                mostRows(), RATE_SLACK, horizon.toSeconds(), inFlight, rowBound(), ledgerBounded() ? "yes" : "no",
                baseline.tableBytes() / 1048576.0, last.tableBytes() / 1048576.0, (last.tableBytes() / (double) baseline.tableBytes() - 1) * 100));
        return text.toString();
    }
}
