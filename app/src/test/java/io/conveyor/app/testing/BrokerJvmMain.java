package io.conveyor.app.testing;

import io.conveyor.app.EmbeddedKafka;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The main class of {@link BrokerJvm}: starts {@link EmbeddedKafka} in the directory given, on the ports given
 * (client, controller), and prints {@value #READY} and its bootstrap address.
 */
public final class BrokerJvmMain {

    static final String READY = "broker ready at ";

    private BrokerJvmMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedKafka broker = EmbeddedKafka.start(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        System.out.println(READY + broker.bootstrapServers());
        System.out.flush();
        new CountDownLatch(1).await(); // until killed
    }
}
