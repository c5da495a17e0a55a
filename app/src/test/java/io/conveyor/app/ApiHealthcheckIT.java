package io.conveyor.app;

import io.conveyor.api.ApiApplication;
import io.conveyor.api.ApiSettings;
import io.conveyor.app.testing.TestServices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The api service's healthcheck from docker-compose.yml, run as Docker would run it (bash, in the container) against a
 * real API: it passes while the API answers and fails once the API is gone. Only the port is changed, to the test's.
 */
class ApiHealthcheckIT {

    private static final Path BASH = Path.of("/bin/bash");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private static List<String> healthcheck;

    @BeforeAll
    static void readHealthcheck() {
        assumeThat(Files.isExecutable(BASH)).as("bash, which the healthcheck runs in").isTrue();
        healthcheck = ComposeFile.load().healthcheckTest("api");
        assertThat(healthcheck).as("api healthcheck test").hasSize(4).startsWith("CMD", "bash", "-c");
    }

    @Test
    void passesWhileTheApiAnswersAndFailsOnceItIsGone() throws Exception {
        ApiSettings settings = new ApiSettings(0, 0, ApiSettings.MAX_BODY_BYTES_DEFAULT, ApiSettings.BATCH_LIMIT_DEFAULT,
                ApiSettings.SUBMIT_TIMEOUT_DEFAULT, "healthcheck-test-secret");
        int port;
        try (ApiApplication api = ApiApplication.start(settings, TestServices.newKafka("healthcheck"), TestServices.newDatabase("healthcheck"))) {
            port = api.port();
            assertThat(runHealthcheck(port)).as("exit code of the healthcheck while the API runs").isZero();
        }
        assertThat(runHealthcheck(port)).as("exit code of the healthcheck after the API stopped").isNotZero();
    }

    private static int runHealthcheck(int port) throws IOException, InterruptedException {
        String script = healthcheck.get(3);
        String composePort = "/dev/tcp/127.0.0.1/" + ApiSettings.PORT_DEFAULT;
        assertThat(script).contains(composePort);
        Process process = new ProcessBuilder(BASH.toString(), "-c", script.replace(composePort, "/dev/tcp/127.0.0.1/" + port))
                .redirectErrorStream(true).start();
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the healthcheck took longer than " + TIMEOUT.toSeconds() + " s, Docker's timeout for it");
        }
        return process.exitValue();
    }
}
