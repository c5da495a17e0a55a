package io.conveyor.app;

import io.conveyor.api.ApiApplication;
import io.conveyor.api.ApiSettings;
import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.app.testing.TestServices;
import io.conveyor.app.testing.WorkerJvm;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * The healthchecks of docker-compose.yml (api, worker) and of the Dockerfile, run as Docker would run them (bash, in
 * the container) against a real API and a real worker JVM: each passes while its role answers and fails once it is
 * gone. Only the ports are changed, to the test's.
 */
class HealthchecksIT {

    private static final Path BASH = Path.of("/bin/bash");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final String COMPOSE_WORKER_PORT = "9464";

    @Test
    void theApiHealthcheckPassesWhileTheApiIsReadyAndFailsOnceItIsGone() throws Exception {
        List<String> healthcheck = composeHealthcheck("api");
        ApiSettings settings = new ApiSettings(0, 0, ApiSettings.MAX_BODY_BYTES_DEFAULT, ApiSettings.BATCH_LIMIT_DEFAULT,
                ApiSettings.SUBMIT_TIMEOUT_DEFAULT, "healthcheck-test-secret");
        int port;
        try (ApiApplication api = ApiApplication.start(settings, TestServices.newKafka("healthcheck"), TestServices.newDatabase("healthcheck"))) {
            port = api.port();
            String script = withPort(healthcheck.get(3), String.valueOf(ApiSettings.PORT_DEFAULT), port);
            assertThat(run(script, Map.of())).as("exit code of the api healthcheck while the API runs").isZero();
            assertThat(run(dockerfileHealthcheck(), Map.of("CONVEYOR_API_PORT", String.valueOf(port), "CONVEYOR_METRICS_PORT", String.valueOf(closedPort()))))
                    .as("exit code of the image's healthcheck while the API runs").isZero();
        }
        assertThat(run(withPort(healthcheck.get(3), String.valueOf(ApiSettings.PORT_DEFAULT), port), Map.of()))
                .as("exit code of the api healthcheck after the API stopped").isNotZero();
    }

    @Test
    void theWorkerHealthcheckPassesWhileTheWorkerIsReadyAndFailsOnceItIsGone() throws Exception {
        List<String> healthcheck = composeHealthcheck("worker");
        int port = closedPort();
        String script = withPort(healthcheck.get(3), COMPOSE_WORKER_PORT, port);
        try (ConveyorUnderTest conveyor = ConveyorUnderTest.start("healthcheck-worker");
             WorkerJvm worker = WorkerJvm.start("healthcheck-worker", "healthcheck-worker",
                     conveyor.workerEnv(Map.of("CONVEYOR_METRICS_PORT", String.valueOf(port))))) {
            // A closed port for the image's API check, picked once this test's API listens: picked before, the API
            // could be given the same port, and the check "after the worker stopped" then asked the running API.
            Map<String, String> imageEnv = Map.of("CONVEYOR_API_PORT", String.valueOf(closedPort()), "CONVEYOR_METRICS_PORT", String.valueOf(port));
            conveyor.awaitRegistered(worker);
            await().atMost(ConveyorUnderTest.WORKER_START).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(run(script, Map.of())).as("exit code of the worker healthcheck while the worker runs").isZero());
            assertThat(run(dockerfileHealthcheck(), imageEnv)).as("exit code of the image's healthcheck while the worker runs").isZero();
            worker.close();
            assertThat(worker.process().isAlive()).isFalse();
            assertThat(run(script, Map.of())).as("exit code of the worker healthcheck after the worker stopped").isNotZero();
            assertThat(run(dockerfileHealthcheck(), imageEnv)).as("exit code of the image's healthcheck after the worker stopped").isNotZero();
        }
    }

    private static List<String> composeHealthcheck(String service) {
        assumeThat(Files.isExecutable(BASH)).as("bash, which the healthcheck runs in").isTrue();
        List<String> healthcheck = ComposeFile.load().healthcheckTest(service);
        assertThat(healthcheck).as(service + " healthcheck test").hasSize(4).startsWith("CMD", "bash", "-c");
        return healthcheck;
    }

    /** The script of the image's HEALTHCHECK, which reads the ports from the container's environment. */
    private static String dockerfileHealthcheck() {
        List<String> command = DockerfileTest.healthcheckCommand();
        assertThat(command).hasSize(3).startsWith("bash", "-c");
        return command.get(2);
    }

    private static String withPort(String script, String composePort, int port) {
        String target = "/dev/tcp/127.0.0.1/" + composePort;
        assertThat(script).contains(target);
        return script.replace(target, "/dev/tcp/127.0.0.1/" + port);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static int run(String script, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(BASH.toString(), "-c", script).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the healthcheck took longer than " + TIMEOUT.toSeconds() + " s, Docker's timeout for it");
        }
        return process.exitValue();
    }
}
