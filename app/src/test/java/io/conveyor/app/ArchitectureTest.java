package io.conveyor.app;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package rules of docs/ARCHITECTURE.md, held against the compiled classes of every module: no package depends
 * on one that depends back on it, a job type sees only the handler API, and the API never reaches into the worker.
 * (The bench module depends on all of these and nothing depends on it, so it cannot close a cycle with them.)
 */
class ArchitectureTest {

    /** The libraries a handler may use besides the handler API: the JDK, Jackson (its payloads), RE2 (search). */
    private static final String[] HANDLER_LIBRARIES = {"java..", "com.fasterxml.jackson..", "com.google.re2j.."};

    private static final JavaClasses CONVEYOR = conveyorClasses();

    @Test
    void noPackageDependsOnOneThatDependsOnIt() {
        slices().matching("io.conveyor.(**)").should().beFreeOfCycles().check(CONVEYOR);
    }

    @Test
    void theBuiltInHandlersUseOnlyTheHandlerApi() {
        classes().that().resideInAPackage("io.conveyor.worker.handlers..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(with("io.conveyor.worker.handlers..", "io.conveyor.handler.."))
                .check(CONVEYOR);
    }

    @Test
    void theExampleJobTypeUsesOnlyTheHandlerApi() {
        assertThat(CONVEYOR.containPackage("io.conveyor.examples")).as("the examples module's classes were found").isTrue();
        classes().that().resideInAPackage("io.conveyor.examples..")
                .should().onlyDependOnClassesThat().resideInAnyPackage(with("io.conveyor.examples..", "io.conveyor.handler.."))
                .check(CONVEYOR);
    }

    @Test
    void theHandlerApiDependsOnNoOtherPartOfConveyor() {
        classes().that().resideInAPackage("io.conveyor.handler..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("io.conveyor.handler..", "java..", "com.fasterxml.jackson..")
                .check(CONVEYOR);
    }

    @Test
    void theApiNeverDependsOnTheWorker() {
        noClasses().that().resideInAPackage("io.conveyor.api..")
                .should().dependOnClassesThat().resideInAPackage("io.conveyor.worker..")
                .check(CONVEYOR);
    }

    private static String[] with(String... packages) {
        String[] all = new String[packages.length + HANDLER_LIBRARIES.length];
        System.arraycopy(packages, 0, all, 0, packages.length);
        System.arraycopy(HANDLER_LIBRARIES, 0, all, packages.length, HANDLER_LIBRARIES.length);
        return all;
    }

    /**
     * The main classes of every module of pom.xml, read from each module's target/classes: the examples module is kept
     * off this module's class path on purpose (CustomJobTypeIT proves a worker finds it as a jar of its own). The bench
     * module is built after this one; it depends on all the others and nothing on it, so it cannot close a cycle.
     */
    private static JavaClasses conveyorClasses() {
        List<Path> classDirs = PomFile.read("pom.xml").texts("/project/modules/module").stream()
                .filter(module -> !module.equals("bench"))
                .map(module -> ProjectFiles.root().resolve(module).resolve("target/classes"))
                .toList();
        assertThat(classDirs).as("compiled classes of every module (the reactor builds them before app's tests)")
                .allMatch(Files::isDirectory);
        return new ClassFileImporter().importPaths(classDirs);
    }
}
