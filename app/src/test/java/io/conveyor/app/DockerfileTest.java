package io.conveyor.app;

import io.conveyor.api.ApiSettings;
import io.conveyor.worker.process.WorkerSettings;
import io.conveyor.app.DockerfileStages.Instruction;
import io.conveyor.app.DockerfileStages.Stage;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Dockerfile and .dockerignore, checked against the build without a Docker engine: a JDK build stage that runs the
 * Maven wrapper, a JRE stage that runs the shaded jar as a non-root user, and a build context that holds every module.
 */
class DockerfileTest {

    private static final Pattern JAVA_MAJOR = Pattern.compile(":(\\d+)");

    private final DockerfileStages dockerfile = DockerfileStages.load();
    private final PomFile rootPom = PomFile.read("pom.xml");
    private final PomFile appPom = PomFile.read("app/pom.xml");

    @Test
    void buildsOnAJdkAndRunsOnAJreOfTheJavaReleaseTheBuildTargets() {
        int release = Integer.parseInt(rootPom.text("/project/properties/maven.compiler.release"));

        assertThat(dockerfile.stages()).as("stages of the Dockerfile (multi-stage: build, then run)").hasSizeGreaterThanOrEqualTo(2);
        assertThat(dockerfile.first().image()).as("build stage image").contains("jdk");
        assertThat(dockerfile.last().image()).as("run stage image").contains("jre");
        assertThat(javaMajor(dockerfile.first().image())).as("Java of the build stage").isGreaterThanOrEqualTo(release);
        assertThat(javaMajor(dockerfile.last().image())).as("Java of the run stage").isGreaterThanOrEqualTo(release);
    }

    @Test
    void buildsWithTheMavenWrapper() {
        Stage build = dockerfile.first();

        assertThat(copySources(build)).as("the build stage copies the wrapper").contains(".mvn", "mvnw", "pom.xml");
        assertThat(build.all("RUN")).as("RUN instructions of the build stage")
                .anySatisfy(run -> assertThat(run.arguments()).contains("./mvnw").contains("package"));
    }

    @Test
    void theBuildContextHoldsEveryModuleAndNoBuildOutput() {
        List<String> modules = rootPom.texts("/project/modules/module");
        List<String> ignore = ProjectFiles.read(".dockerignore").lines().map(String::strip)
                .filter(line -> !line.isEmpty() && !line.startsWith("#")).toList();
        Set<String> copied = Set.copyOf(copySources(dockerfile.first()));

        assertThat(copied).as("sources the build stage copies, against the modules in pom.xml").containsAll(modules);
        // .dockerignore leaves everything out, then lets back in what the build copies; the last matching line wins.
        assertThat(ignore).as(".dockerignore").startsWith("*");
        for (String source : copied) {
            assertThat(ignore).as(".dockerignore lets %s back in", source).contains("!" + source);
        }
        assertThat(ignore.getLast()).as("the last line of .dockerignore keeps target/ directories out").isEqualTo("**/target");
    }

    @Test
    void runsTheShadedJarAsANonRootUser() {
        String shadedJar = Path.of(appPom.text("/project/build/plugins/plugin[artifactId='maven-shade-plugin']//outputFile")).getFileName().toString();
        String buildStage = dockerfile.first().name().orElseThrow(() -> new AssertionError("the build stage needs a name (FROM ... AS build)"));
        Stage run = dockerfile.last();

        List<String> copyFromBuild = run.all("COPY").stream().map(Instruction::words)
                .filter(words -> words.contains("--from=" + buildStage)).findFirst()
                .orElseThrow(() -> new AssertionError("the run stage copies nothing from the build stage"));
        assertThat(copyFromBuild.get(copyFromBuild.size() - 2)).as("the jar the run stage copies")
                .endsWith("/app/target/" + shadedJar);
        String jarInImage = copyFromBuild.getLast();

        List<String> entrypoint = run.last("ENTRYPOINT").orElseThrow(() -> new AssertionError("no ENTRYPOINT")).execForm();
        assertThat(entrypoint.getFirst()).isEqualTo("java");
        assertThat(entrypoint.subList(entrypoint.size() - 2, entrypoint.size())).as("ENTRYPOINT ends with").containsExactly("-jar", jarInImage);
        assertThat(entrypoint).as("the role JVM options, as every other launcher sets them").containsSubsequence(JavaCommand.ROLE_JVM_OPTIONS);

        String user = run.last("USER").orElseThrow(() -> new AssertionError("the run stage sets no USER: it would run as root")).arguments();
        assertThat(user.split(":")[0]).as("USER").isNotIn("root", "0");
    }

    /** The benchmarks have a module and a jar of their own (bench/), built and run on a developer's machine only. */
    @Test
    void theImageShipsNoBenchmark() {
        Stage build = dockerfile.first();
        String buildStage = build.name().orElseThrow();

        assertThat(build.all("RUN")).as("the build stage builds the app module and what it needs, not the bench module")
                .anySatisfy(run -> assertThat(run.arguments()).contains("./mvnw").contains("-pl app -am").doesNotContain("bench"));
        assertThat(dockerfile.last().all("COPY")).as("what the run stage copies from the build stage")
                .filteredOn(copy -> copy.words().contains("--from=" + buildStage))
                .singleElement().satisfies(copy -> assertThat(copy.arguments()).contains("/src/app/target/conveyor.jar").doesNotContain("bench"));
        assertThat(new CommandLine(new ConveyorCommand()).getSubcommands()).as("roles of conveyor.jar")
                .doesNotContainKeys("bench", "bench-compute");
    }

    @Test
    void theDefaultCommandIsARoleOfTheJar() {
        List<String> cmd = dockerfile.last().last("CMD").orElseThrow(() -> new AssertionError("no CMD")).execForm();

        assertThat(cmd).isNotEmpty();
        assertThat(new CommandLine(new ConveyorCommand()).getSubcommands()).as("roles of conveyor.jar").containsKey(cmd.getFirst());
    }

    @Test
    void exposesTheApiDashboardAndWorkerMetricsPorts() {
        List<String> exposed = dockerfile.last().all("EXPOSE").stream().flatMap(expose -> expose.words().stream()).toList();

        assertThat(exposed).containsExactlyInAnyOrder(String.valueOf(ApiSettings.PORT_DEFAULT), String.valueOf(ApiSettings.DASHBOARD_PORT_DEFAULT),
                imageMetricsPort());
    }

    /** The image's HEALTHCHECK asks the liveness of whichever role runs: the API's port, else the worker's metrics port. */
    @Test
    void theHealthcheckAsksTheApiPortElseTheWorkerMetricsPort() {
        String script = String.join(" ", healthcheckCommand());

        assertThat(script).contains("${" + ApiSettings.PORT + ":-" + ApiSettings.PORT_DEFAULT + "}")
                .contains("${" + WorkerSettings.METRICS_PORT + ":-" + imageMetricsPort() + "}")
                .contains("GET /health/live ");
    }

    /** The worker metrics port the image sets (ENV), which worker containers serve unless told otherwise. */
    private String imageMetricsPort() {
        return dockerfile.last().all("ENV").stream().map(Instruction::arguments)
                .filter(env -> env.startsWith(WorkerSettings.METRICS_PORT + "="))
                .map(env -> env.substring(env.indexOf('=') + 1).strip())
                .findFirst().orElseThrow(() -> new AssertionError("the image sets no " + WorkerSettings.METRICS_PORT));
    }

    /** The exec-form command of the run stage's HEALTHCHECK. */
    static List<String> healthcheckCommand() {
        Instruction healthcheck = DockerfileStages.load().last().last("HEALTHCHECK").orElseThrow(() -> new AssertionError("no HEALTHCHECK"));
        String arguments = healthcheck.arguments();
        int cmd = arguments.indexOf("CMD [");
        assertThat(cmd).as("HEALTHCHECK in exec form: " + arguments).isNotNegative();
        return new Instruction("CMD", arguments.substring(cmd + 4)).execForm();
    }

    /** The source paths (without a trailing slash) of the stage's COPY instructions that copy from the build context. */
    private static List<String> copySources(Stage stage) {
        List<String> sources = new ArrayList<>();
        for (Instruction copy : stage.all("COPY")) {
            if (copy.words().stream().anyMatch(word -> word.startsWith("--from="))) {
                continue;
            }
            List<String> paths = copy.words().stream().filter(word -> !word.startsWith("--")).toList();
            paths.subList(0, paths.size() - 1).forEach(source -> sources.add(source.replaceFirst("/$", "")));
        }
        return sources;
    }

    private static int javaMajor(String image) {
        Matcher major = JAVA_MAJOR.matcher(image);
        if (!major.find()) {
            throw new AssertionError(image + " names no Java version in its tag");
        }
        return Integer.parseInt(major.group(1));
    }
}
