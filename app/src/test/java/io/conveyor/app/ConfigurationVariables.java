package io.conveyor.app;

import io.conveyor.api.ApiAuthSettings;
import io.conveyor.api.ApiSettings;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.TopicReplication;
import io.conveyor.common.Topics;
import io.conveyor.worker.process.WorkerSettings;
import io.conveyor.worker.process.WorkerSupervisor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code CONVEYOR_*} environment variables the code reads, collected by reflection from the constants that name
 * them, so that the README and the deployment files can be checked against the code.
 */
final class ConfigurationVariables {

    static final String PREFIX = "CONVEYOR_";
    /** Read only by the test infrastructure; documented below the README's table, never in it. */
    static final String TEST_PREFIX = "CONVEYOR_TEST_";

    /**
     * Every class that names a variable in a constant. A class missing here is caught by comparing with
     * {@link #namedInMainSources()}, which reads the sources instead.
     */
    static final List<Class<?>> DECLARING_CLASSES = List.of(KafkaSettings.class, TopicReplication.class, DatabaseSettings.class, ApiSettings.class,
            WorkerSettings.class, WorkerSupervisor.class, WorkerCommand.class, DevCommand.class, LogFormat.class, ApiAuthSettings.class, JobCommands.class);

    /** Set by a supervisor in each worker JVM it forks; a user never sets it. */
    static final Set<String> INTERNAL = Set.of(WorkerSupervisor.SUPERVISOR_PID);

    /** Defaults held in a constant whose name does not follow {@code <VARIABLE>_DEFAULT} beside the variable. */
    private static final Map<String, Field> DEFAULTS_ELSEWHERE = Map.of(KafkaSettings.TOPIC_PREFIX, field(Topics.class, "PREFIX_DEFAULT"));

    private static final Pattern MAIN_LITERAL = Pattern.compile("\"(" + PREFIX + "[A-Z0-9_]+)\"");
    private static final Pattern TEST_LITERAL = Pattern.compile("\"(" + TEST_PREFIX + "[A-Z0-9_]+)\"");

    private ConfigurationVariables() {
    }

    /** One variable: its name and the constant that holds it. */
    record Variable(String name, Field constant) {

        Class<?> declaringClass() {
            return constant.getDeclaringClass();
        }

        /**
         * The value the code uses when the variable is unset, as the README should show it, where a constant holds it:
         * {@code X_DEFAULT} beside {@code X}, or for a duration {@code X_MS} the {@code Duration} {@code X_DEFAULT} in ms.
         */
        Optional<String> defaultValue() {
            if (DEFAULTS_ELSEWHERE.containsKey(name)) {
                return Optional.of(render(DEFAULTS_ELSEWHERE.get(name)));
            }
            String constantName = constant.getName();
            return Stream.of(constantName + "_DEFAULT", constantName.replaceFirst("_MS$", "") + "_DEFAULT")
                    .distinct()
                    .flatMap(candidate -> Stream.of(declaringClass().getDeclaredFields()).filter(f -> f.getName().equals(candidate)))
                    .findFirst()
                    .map(ConfigurationVariables::render);
        }
    }

    /** The variables the production code reads, by name. */
    static Map<String, Variable> read() {
        Map<String, Variable> variables = new TreeMap<>();
        for (Class<?> type : DECLARING_CLASSES) {
            for (Field field : type.getDeclaredFields()) {
                if (isConstant(field) && field.getType() == String.class && value(field) instanceof String name && name.startsWith(PREFIX)) {
                    Variable previous = variables.put(name, new Variable(name, field));
                    if (previous != null) {
                        throw new IllegalStateException(name + " is named by both " + previous.constant() + " and " + field);
                    }
                }
            }
        }
        return variables;
    }

    /** Every quoted {@code "CONVEYOR_..."} literal in the main sources of every module: what the code can possibly read. */
    static Set<String> namedInMainSources() {
        return literals("src/main/java", MAIN_LITERAL);
    }

    /** Every quoted {@code "CONVEYOR_TEST_..."} literal in the test sources: the variables only the tests read. */
    static Set<String> testOnly() {
        return literals("src/test/java", TEST_LITERAL);
    }

    private static Set<String> literals(String sourceRoot, Pattern literal) {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> modules = Files.list(ProjectFiles.root())) {
            for (Path sources : modules.map(module -> module.resolve(sourceRoot)).filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.walk(sources)) {
                    for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                        Matcher matcher = literal.matcher(Files.readString(file));
                        while (matcher.find()) {
                            names.add(matcher.group(1));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    private static boolean isConstant(Field field) {
        int modifiers = field.getModifiers();
        return Modifier.isStatic(modifiers) && Modifier.isFinal(modifiers);
    }

    private static String render(Field field) {
        Object value = value(field);
        return value instanceof Duration duration ? Long.toString(duration.toMillis()) : String.valueOf(value);
    }

    private static Object value(Field field) {
        try {
            field.setAccessible(true); // package-private constants of the command classes
            return field.get(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Field field(Class<?> type, String name) {
        try {
            return type.getDeclaredField(name);
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException(type.getSimpleName() + "." + name + " is gone: update ConfigurationVariables", e);
        }
    }
}
