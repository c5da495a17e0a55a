package io.conveyor.app.testing;

import io.conveyor.app.EmbeddedKafka;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The main class of {@link BrokerJvm}: starts node {@code <node id>} of a cluster with {@link EmbeddedKafka#startNode}
 * in the directory given, and prints {@value #READY} and its bootstrap address. Arguments: the data directory, the
 * cluster id, the node id, and the cluster's nodes as {@code id:port:controllerPort,...}.
 */
public final class BrokerJvmMain {

    static final String READY = "broker ready at ";

    private BrokerJvmMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        EmbeddedKafka broker = EmbeddedKafka.startNode(Path.of(args[0]), args[1], nodes(args[3]), Integer.parseInt(args[2]));
        System.out.println(READY + broker.bootstrapServers());
        System.out.flush();
        new CountDownLatch(1).await(); // until killed
    }

    static String argument(List<EmbeddedKafka.Node> cluster) {
        return String.join(",", cluster.stream().map(node -> node.id() + ":" + node.port() + ":" + node.controllerPort()).toList());
    }

    private static List<EmbeddedKafka.Node> nodes(String argument) {
        return Arrays.stream(argument.split(",")).map(node -> node.split(":"))
                .map(parts -> new EmbeddedKafka.Node(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])))
                .toList();
    }
}
