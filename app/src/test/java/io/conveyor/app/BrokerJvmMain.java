package io.conveyor.app;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A Kafka broker in a JVM of its own, for a test that freezes it (SIGSTOP) without freezing itself: starts
 * {@link EmbeddedKafka} in the directory given and prints {@value #READY} and its bootstrap address.
 */
public final class BrokerJvmMain {

    static final String READY = "broker ready at ";

    private BrokerJvmMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedKafka broker = EmbeddedKafka.start(Path.of(args[0]));
        System.out.println(READY + broker.bootstrapServers());
        System.out.flush();
        new CountDownLatch(1).await(); // until killed
    }
}
