package io.conveyor.app;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command line that starts another Conveyor JVM from this one: the same java binary and class path, so a
 * worker forked by {@code dev}, by {@code worker --processes} or by a test runs exactly this build.
 */
public final class JavaCommand {

    /**
     * JVM options of every Conveyor role JVM (also set by the {@code conveyor} launcher and the Dockerfile): start
     * with a small heap rather than 1/64 of the machine's memory, and let G1 collect every 3 s while the JVM is idle,
     * so that it hands back the memory a burst of jobs made it take (JEP 346). The effect on idle RSS, measured by
     * {@code conveyor bench}, is in docs/BENCHMARKS.md.
     */
    public static final List<String> ROLE_JVM_OPTIONS = List.of("-Xms16m", "-XX:G1PeriodicGCInterval=3000");

    /**
     * What {@code dev}'s JVMs add (its worker JVMs here, its own in the {@code conveyor} launcher): only the quick
     * compiler (C1). {@code dev} runs three JVMs and PostgreSQL on one machine, for minutes; with the full JIT, the
     * optimizing compiler (C2) took 40 % of the JVMs' CPU in a fresh {@code dev}'s first 20,000 jobs and still a third
     * of it eight runs later, CPU the jobs then lacked. With C1 alone, {@code bench/user-run.py} on 2 cores: 1,863
     * against 1,227 jobs/s in the first run, and faster in each of the eight runs (160,000 jobs; docs/BENCHMARKS.md).
     * The roles run on their own ({@code api}, {@code worker}) keep the full JIT: they live long enough to repay it.
     */
    public static final List<String> DEV_JVM_OPTIONS = List.of("-XX:TieredStopAtLevel=1");

    private JavaCommand() {
    }

    /**
     * @param heap  maximum heap of the new JVM, e.g. {@code 512m}
     * @param role  the subcommand and its arguments
     */
    public static List<String> forRole(String heap, String... role) {
        return forRoleOnClassPath(System.getProperty("java.class.path"), heap, role);
    }

    /**
     * @param classPath the class path of the new JVM, e.g. this one's plus a jar of your own job types
     */
    public static List<String> forRoleOnClassPath(String classPath, String heap, String... role) {
        return forMainClass(classPath, heap, ConveyorCommand.class, role);
    }

    /** {@code command} (one of this class's) with {@code options} added to its JVM's options. */
    public static List<String> withJvmOptions(List<String> command, List<String> options) {
        List<String> withOptions = new ArrayList<>(command.subList(0, 1));
        withOptions.addAll(options);
        withOptions.addAll(command.subList(1, command.size()));
        return withOptions;
    }

    /**
     * The same JVM for another entry point on this class path, e.g. the benchmark's plain JobRunr server.
     *
     * @param arguments the main class's arguments
     */
    public static List<String> forMainClass(String classPath, String heap, Class<?> mainClass, String... arguments) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(ROLE_JVM_OPTIONS);
        // Each worker has its own heap; one that a job exhausts exits (FatalJobErrors), and only it.
        command.addAll(List.of("-Xmx" + heap, "-cp", classPath, mainClass.getName()));
        command.addAll(List.of(arguments));
        return command;
    }
}
