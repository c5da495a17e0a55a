package io.conveyor.app;

import io.conveyor.api.ApiApplication;
import io.conveyor.api.ApiAuthSettings;
import io.conveyor.api.ApiSettings;
import io.conveyor.common.DatabaseSettings;
import io.conveyor.common.Env;
import io.conveyor.common.KafkaSettings;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code conveyor api}: the HTTP API and the JobRunr dashboard.
 */
@Command(name = "api", mixinStandardHelpOptions = true, description = "Run the HTTP API and the dashboard.")
final class ApiCommand implements Callable<Integer> {

    @Override
    public Integer call() throws InterruptedException {
        Env env = Env.system();
        ApiApplication api = ApiApplication.start(ApiSettings.from(env), ApiAuthSettings.from(env), KafkaSettings.from(env), DatabaseSettings.from(env));
        System.out.printf("Conveyor API on http://localhost:%d, dashboard on http://localhost:%d/dashboard%n", api.port(), api.dashboardPort());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            api.close();
            stopped.countDown();
        }, "conveyor-api-stop"));
        stopped.await();
        return 0;
    }
}
