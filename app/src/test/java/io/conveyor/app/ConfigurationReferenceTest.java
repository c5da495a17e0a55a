package io.conveyor.app;

import io.conveyor.api.ApiAuthSettings;
import io.conveyor.api.ApiSettings;
import io.conveyor.app.ConfigurationVariables.Variable;
import io.conveyor.app.ReadmeConfiguration.Row;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.KafkaSettings;
import io.conveyor.common.TopicReplication;
import io.conveyor.worker.process.WorkerSettings;
import io.conveyor.worker.process.WorkerSupervisor;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's configuration reference, checked against the code in both directions: every variable the code reads
 * has a row, every row names a variable the code reads, with the code's default and the roles that read it.
 */
class ConfigurationReferenceTest {

    /** The roles that read the variables each class declares (a role's children inherit its environment). */
    private static final Map<Class<?>, Set<String>> ROLES = Map.ofEntries(
            Map.entry(KafkaSettings.class, Set.of("api", "worker", "dev")),
            Map.entry(TopicReplication.class, Set.of("api", "worker", "dev")),
            Map.entry(DatabaseSettings.class, Set.of("api", "worker", "dev")),
            Map.entry(ApiSettings.class, Set.of("api", "dev")),
            Map.entry(WorkerSettings.class, Set.of("worker")),
            Map.entry(WorkerSupervisor.class, Set.of("worker")),
            Map.entry(WorkerCommand.class, Set.of("worker")),
            Map.entry(DevCommand.class, Set.of("dev")),
            Map.entry(LogFormat.class, Set.of("api", "worker", "dev")),
            Map.entry(ApiAuthSettings.class, Set.of("api", "dev")),
            Map.entry(JobCommands.class, Set.of("submit", "status", "list", "cancel", "retry", "watch", "workers")));
    /** Defaults the README states in words because they depend on the machine: the words, and how many per core. */
    private static final Map<String, Map.Entry<String, Integer>> MACHINE_DEPENDENT_DEFAULTS = Map.of(
            WorkerSettings.JOB_THREADS, Map.entry("cores", 1),
            WorkerSettings.COMPUTE_THREADS, Map.entry("cores", 1),
            WorkerSettings.WAITING_JOBS, Map.entry("16 × cores", 16));
    private static final Pattern ANY_VARIABLE = Pattern.compile("CONVEYOR_[A-Z0-9_]*[A-Z0-9]");
    private static final Pattern ROLE = Pattern.compile("[a-z]+");

    private final Map<String, Variable> code = ConfigurationVariables.read();
    private final ReadmeConfiguration readme = ReadmeConfiguration.load();

    @Test
    void theCollectedVariablesAreAllThatTheMainSourcesName() {
        // A variable named in a class that ConfigurationVariables does not look at would escape every check below.
        assertThat(code.keySet()).as("variables found by reflection over %s", ConfigurationVariables.DECLARING_CLASSES)
                .containsExactlyInAnyOrderElementsOf(ConfigurationVariables.namedInMainSources());
        assertThat(ROLES.keySet()).containsExactlyInAnyOrderElementsOf(ConfigurationVariables.DECLARING_CLASSES);
    }

    @Test
    void everyVariableTheCodeReadsHasARow() {
        assertThat(readme.rows().keySet()).as("variables in the README's table").containsAll(code.keySet());
    }

    @Test
    void everyRowNamesAVariableTheCodeReads() {
        assertThat(code.keySet()).as("variables the code reads").containsAll(readme.rows().keySet());
    }

    @Test
    void defaultsAreTheCodesDefaults() {
        for (Variable variable : code.values()) {
            Row row = readme.rows().get(variable.name());
            if (row == null) {
                continue; // reported by everyVariableTheCodeReadsHasARow
            }
            if (MACHINE_DEPENDENT_DEFAULTS.containsKey(variable.name())) {
                Map.Entry<String, Integer> perCore = MACHINE_DEPENDENT_DEFAULTS.get(variable.name());
                assertThat(row.defaultText()).as("default of %s", variable.name()).startsWith(perCore.getKey());
                assertThat(variable.defaultValue()).hasValue(String.valueOf(perCore.getValue() * WorkerSettings.CORES));
            } else {
                variable.defaultValue().ifPresent(expected ->
                        assertThat(row.defaultCode()).as("default of %s (the first `code` in its cell)", variable.name()).hasValue(expected));
            }
        }
    }

    @Test
    void eachRowNamesTheRolesThatReadIt() {
        Set<String> roles = new CommandLine(new ConveyorCommand()).getSubcommands().keySet();
        for (Variable variable : code.values()) {
            Row row = readme.rows().get(variable.name());
            if (row == null) {
                continue;
            }
            Set<String> named = new TreeSet<>();
            for (String entry : row.readBy().split(",")) {
                Matcher role = ROLE.matcher(entry.strip());
                assertThat(role.lookingAt()).as("%s: read by '%s'", variable.name(), row.readBy()).isTrue();
                named.add(role.group());
            }
            assertThat(named).as("%s: roles named", variable.name()).isSubsetOf(roles).containsAll(ROLES.get(variable.declaringClass()));
        }
    }

    @Test
    void internalVariablesAreMarkedSo() {
        for (String internal : ConfigurationVariables.INTERNAL) {
            assertThat(readme.rows().get(internal)).as(internal).isNotNull();
            assertThat(readme.rows().get(internal).meaning()).as("meaning of %s", internal).containsIgnoringCase("internal");
        }
    }

    @Test
    void testOnlyVariablesAreDocumentedBelowTheTableNotInIt() {
        Set<String> testOnly = ConfigurationVariables.testOnly();

        assertThat(testOnly).as("variables only the tests read").isNotEmpty().allMatch(name -> name.startsWith(ConfigurationVariables.TEST_PREFIX));
        assertThat(readme.rows().keySet()).doesNotContainAnyElementsOf(testOnly);
        assertThat(readme.codeOutsideTable()).as("`code` in the Configuration section outside its table").containsAll(testOnly);
    }

    @Test
    void theDocsNameNoVariableThatDoesNotExist() {
        Set<String> known = new TreeSet<>(code.keySet());
        known.addAll(ConfigurationVariables.testOnly());
        for (String doc : new String[] {ReadmeConfiguration.FILE, "docs/ARCHITECTURE.md", "CONTRIBUTING.md", ComposeFile.FILE}) {
            Matcher mentioned = ANY_VARIABLE.matcher(ProjectFiles.read(doc));
            Set<String> names = new TreeSet<>();
            while (mentioned.find()) {
                names.add(mentioned.group());
            }
            assertThat(names).as("variables %s mentions", doc).isSubsetOf(known);
        }
    }

    @Test
    void everyRowSaysWhatItIsFor() {
        assertThat(readme.rows().values()).allSatisfy(row -> {
            assertThat(row.defaultText()).as("default of %s", row.variable()).isNotBlank();
            assertThat(Arrays.asList(row.readBy(), row.meaning())).as("read by, meaning of %s", row.variable()).doesNotContain("");
        });
    }
}
