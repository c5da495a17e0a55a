package io.conveyor.bench;

import io.conveyor.common.DatabaseSettings;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.DoubleStream;

/**
 * The measurements in their order: warm-up, memory, then each measurement's repetitions with the systems taking turns
 * (so that a change in the machine's load falls on all of them), then memory again. Prints each figure as it comes.
 */
final class BenchRun {

    /** A pause before reading memory, so that the JVMs' after-work activity (JIT, GC) has settled. */
    private static final Duration SETTLE = Duration.ofSeconds(2);

    /** The parts of a run, which {@code --only} can pick from. */
    enum Part { IDLE, NOOP, PRIMES, WAITS, SUBMITS, MEMORY }

    private final BenchCommand.Settings settings;
    private final List<SystemUnderBench> systems;
    private final Duration drainTimeout;
    private final Results results = new Results();

    BenchRun(BenchCommand.Settings settings, List<SystemUnderBench> systems, Duration drainTimeout) {
        this.settings = settings;
        this.systems = systems;
        this.drainTimeout = drainTimeout;
    }

    Results run(DatabaseSettings conveyorDatabase, Path logDir) throws InterruptedException {
        BenchJob primes = BenchJob.primes(settings.primesFrom(), settings.primesTo());
        for (SystemUnderBench system : systems) {
            warmUp(system, primes);
        }
        if (settings.includes(Part.MEMORY)) {
            Thread.sleep(SETTLE); // idle on purpose: the memory figure is of idle JVMs
            workerMemory(Measure.WORKER_RSS_WARM);
        }
        for (int rep = 1; rep <= settings.repeats() && settings.includes(Part.IDLE); rep++) {
            for (SystemUnderBench system : systems) {
                IdleLatency.Result idle = IdleLatency.measure(system, settings.idleJobs(), settings.idleGap());
                results.addIdle(system, idle);
                progress(system, "idle latency", rep, "submit→start p50 %s ms, p95 %s ms, max %s ms; →succeeded p50 %s ms",
                        idle.startP50(), idle.startP95(), idle.startMax(), idle.doneP50());
            }
        }
        for (int rep = 1; rep <= settings.repeats() && settings.includes(Part.NOOP); rep++) {
            for (SystemUnderBench system : systems) {
                JobCosts costs = JobCosts.start(system);
                Throughput.Result noop = Throughput.measure(system, BenchJob.NOOP, settings.jobs(), drainTimeout);
                JobCosts.PerJob cost = costs.perJob(settings.jobs());
                results.add(system, Measure.NOOP_END_TO_END, noop.endToEnd());
                results.add(system, Measure.NOOP_INTAKE, noop.intake());
                results.add(system, Measure.NOOP_CPU_WORKERS, cost.workerCpuMs());
                results.add(system, Measure.NOOP_CPU_POSTGRES, cost.postgresCpuMs());
                results.add(system, Measure.NOOP_CPU_BENCH, cost.benchCpuMs());
                results.add(system, Measure.NOOP_COMMITS, cost.commits());
                results.add(system, Measure.NOOP_ROW_WRITES, cost.rowWrites());
                cost.statements().ifPresent(statements -> results.add(system, Measure.NOOP_STATEMENTS, statements));
                progress(system, "noop throughput", rep, "%s jobs/s end to end, intake %s jobs/s; per job: CPU %s ms workers, %s ms PostgreSQL,"
                                + " %s ms benchmark JVM; %s commits, %s row writes" + (cost.statements().isPresent() ? ", %s statements" : ""),
                        DoubleStream.concat(DoubleStream.of(noop.endToEnd(), noop.intake(), cost.workerCpuMs(), cost.postgresCpuMs(),
                                cost.benchCpuMs(), cost.commits(), cost.rowWrites()), cost.statements().stream()).toArray());
            }
        }
        for (int rep = 1; rep <= settings.repeats() && settings.includes(Part.PRIMES); rep++) {
            for (SystemUnderBench system : systems) {
                Throughput.Result cpu = Throughput.measure(system, primes, settings.primesJobs(), drainTimeout);
                results.add(system, Measure.PRIMES_END_TO_END, cpu.endToEnd());
                progress(system, "primes throughput", rep, "%s jobs/s end to end", cpu.endToEnd());
            }
        }
        BenchJob waits = BenchJob.sleep(BenchCommand.SLEEP_MILLIS);
        for (int rep = 1; rep <= settings.repeats() && settings.includes(Part.WAITS); rep++) {
            for (SystemUnderBench system : systems.stream().filter(SystemUnderBench::atItsDefaults).toList()) {
                Throughput.Result waiting = Throughput.measure(system, waits, settings.sleepJobs(), drainTimeout);
                results.add(system, Measure.SLEEP_END_TO_END, waiting.endToEnd());
                progress(system, "waiting jobs (sleep " + BenchCommand.SLEEP_MILLIS + " ms)", rep, "%s jobs/s end to end", waiting.endToEnd());
            }
        }
        for (int rep = 1; rep <= settings.repeats() && settings.includes(Part.SUBMITS); rep++) {
            for (SystemUnderBench system : systems) {
                double rate = SingleSubmitLoad.measure(system, settings.clients(), settings.submitDuration(), drainTimeout);
                results.add(system, Measure.SINGLE_SUBMITS, rate);
                progress(system, "single submissions", rep, "%s/s from " + settings.clients() + " clients", rate);
            }
        }
        if (settings.includes(Part.MEMORY)) {
            Thread.sleep(SETTLE); // idle on purpose, as above
            workerMemory(Measure.WORKER_RSS_AFTER);
            ConveyorUnderBench conveyor = (ConveyorUnderBench) systems.getFirst();
            Optional<Double> apiRss = ApiMemory.measure(conveyor, conveyorDatabase, logDir);
            apiRss.ifPresent(rss -> results.add(conveyor, Measure.API_RSS, rss));
            progress(conveyor, "API JVM RSS", 1, "%s MiB", apiRss.orElse(Double.NaN));
        }
        return results;
    }

    /**
     * A smaller dose of every measurement's work, so that each JVM has loaded and compiled its paths. Half the noop
     * jobs: with a tenth, the JIT compilers of the worker JVMs were still busy in the first timed run (a third of a
     * worker's CPU in JFR), which then came out at half the rate of the third. Single submissions: see below.
     */
    private void warmUp(SystemUnderBench system, BenchJob primes) throws InterruptedException {
        long started = System.nanoTime();
        Throughput.measure(system, BenchJob.NOOP, Math.max(500, settings.jobs() / 2), drainTimeout);
        if (settings.includes(Part.PRIMES)) {
            Throughput.measure(system, primes, Math.max(10, settings.primesJobs() / 4), drainTimeout);
        }
        if (settings.includes(Part.SUBMITS) || settings.includes(Part.MEMORY)) {
            Duration warmUp = settings.submitDuration().multipliedBy(system.submitWarmUpRuns());
            SingleSubmitLoad.measure(system, settings.clients(), warmUp, drainTimeout);
        }
        IdleLatency.measure(system, 10, settings.idleGap());
        system.ledger().clear();
        System.out.printf("%-12s warmed up in %.1f s%n", system.name(), (System.nanoTime() - started) / 1e9);
    }

    /** The largest RSS of the system's worker JVMs. */
    private void workerMemory(Measure measure) {
        for (SystemUnderBench system : systems) {
            Optional<Double> largest = system.workerPids().stream().map(ProcessMemory::rssMegabytes)
                    .flatMap(Optional::stream).max(Double::compare);
            largest.ifPresent(rss -> results.add(system, measure, rss));
            System.out.printf("%-12s %s: %s MiB%n", system.name(), measure.label, largest.map(BenchReport::number).orElse("n/a"));
        }
    }

    private static void progress(SystemUnderBench system, String what, int rep, String format, double... values) {
        Object[] shown = new Object[values.length];
        for (int i = 0; i < values.length; i++) {
            shown[i] = BenchReport.number(values[i]);
        }
        System.out.printf("%-12s %s #%d: %s%n", system.name(), what, rep, String.format(format, shown));
    }
}
