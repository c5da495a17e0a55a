package io.conveyor.api.events;

import io.javalin.Javalin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class SseWriterTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private Javalin server;

    @AfterEach
    void stop() {
        release.countDown();
        server.stop();
    }

    @Test
    void anEventReachesTheClientWhileTheStreamStaysOpen() throws Exception {
        server = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            config.routes.get("/events", ctx -> {
                SseWriter out = new SseWriter(ctx);
                out.event("state", "0.1", "{\"n\":1}");
                release.await(); // the stream stays open until the test has read the event
            });
        }).start(0);

        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
        BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        assertThat(lines.readLine()).isEqualTo("id: 0.1");
        assertThat(lines.readLine()).isEqualTo("event: state");
        assertThat(lines.readLine()).isEqualTo("data: {\"n\":1}");
        assertThat(release.getCount()).as("read before the handler returned").isEqualTo(1);
    }
}
