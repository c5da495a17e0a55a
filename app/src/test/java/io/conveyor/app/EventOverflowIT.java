package io.conveyor.app;

import io.conveyor.app.testing.ConveyorUnderTest;
import io.conveyor.common.JobEvent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client of {@code GET /events} that stops reading while many more events than its buffer (1,000) come is not
 * waited for: once the connection's buffers and its own are full, it is dropped from the feed, and when it reads again
 * it gets what was buffered, then one last {@code overflow} event, and the stream ends. The events are published on the
 * events topic by the test itself, as workers publish them, so that enough of them come quickly.
 */
class EventOverflowIT {

    /** Far more than the socket buffers (a few MB on loopback) and the client's buffer hold together. */
    private static final int EVENTS = 40_000;
    private static final Pattern EVENT_NAME = Pattern.compile("(?m)^event: (\\S+)$");

    @Test
    void aClientThatStopsReadingGetsAFinalOverflowEventAndItsStreamCloses() throws Exception {
        try (ConveyorUnderTest conveyor = ConveyorUnderTest.start("sse-overflow");
             Socket client = new Socket()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> conveyor.client.get("/health/ready").statusCode() == 200);
            client.setReceiveBufferSize(1024); // before connecting: the window the server may fill stays small
            URI api = URI.create(conveyor.client.apiBase());
            client.connect(new InetSocketAddress(api.getHost(), api.getPort()));
            client.setSoTimeout(60_000);
            OutputStream request = client.getOutputStream();
            request.write("GET /events HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            request.flush();
            InputStream response = client.getInputStream();
            byte[] statusLine = response.readNBytes("HTTP/1.1 200".length()); // subscribed; from here on, read nothing
            assertThat(new String(statusLine, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200");

            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, conveyor.kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 20),
                    new StringSerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < EVENTS; i++) {
                    UUID job = UUID.randomUUID();
                    producer.send(new ProducerRecord<>(conveyor.kafka.topics().events(), job.toString(),
                            JobEvent.progress(job, "noop", 1, "overflow-test", i, EVENTS).toJson()));
                }
                producer.flush();
            }

            ByteArrayOutputStream received = new ByteArrayOutputStream();
            response.transferTo(received); // to the end: the server closes the stream after its last event
            String text = received.toString(StandardCharsets.UTF_8);
            Matcher names = EVENT_NAME.matcher(text);
            int progress = 0;
            String last = null;
            while (names.find()) {
                last = names.group(1);
                if (!last.equals("overflow")) {
                    progress++;
                }
            }
            System.out.printf("[sse] a client that stopped reading got %d of %d events, then: %s%n", progress, EVENTS, last);
            assertThat(last).as("the stream's last event").isEqualTo("overflow");
            assertThat(text).containsOnlyOnce("event: overflow").contains("Last-Event-ID");
            assertThat(progress).as("events received before the overflow").isLessThan(EVENTS);
        }
    }
}
