package io.conveyor.app.testing;

import io.conveyor.app.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A Kafka cluster of broker JVMs ({@link BrokerJvm}) on this machine, as deployments run one: each node broker and
 * controller, the controllers a quorum of all of them, each node on a data directory of its own. Any one may be
 * killed (-9) and started again while the others go on. Logs: {@code <logDir>/broker-<id>.log} and {@code .err}.
 */
public final class BrokerCluster implements AutoCloseable {

    /** Three JVMs starting at once on a starved 2-core machine, each waiting for a majority of the others. */
    private static final Duration START = Duration.ofMinutes(3);
    /** A broker is fenced 4 s after its last heartbeat (EmbeddedKafka); this bound only catches a cluster that never does. */
    private static final Duration FENCED = Duration.ofMinutes(1);

    private final List<BrokerJvm> brokers;

    private BrokerCluster(List<BrokerJvm> brokers) {
        this.brokers = brokers;
    }

    /** Starts {@code size} nodes at once (none is ready before a majority runs); returns once every one accepts clients. */
    public static BrokerCluster start(Path logDir, int size) {
        int[] ports = BrokerJvm.freePorts(2 * size);
        List<EmbeddedKafka.Node> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            nodes.add(new EmbeddedKafka.Node(i + 1, ports[2 * i], ports[2 * i + 1]));
        }
        String clusterId = UUID.randomUUID().toString();
        BrokerCluster cluster = new BrokerCluster(nodes.stream().map(node -> BrokerJvm.node(logDir, clusterId, nodes, node)).toList());
        try {
            cluster.brokers.forEach(BrokerJvm::spawn);
            // Each awaited on a thread of its own: every broker's output must be read while it waits for the others.
            CompletableFuture.allOf(cluster.brokers.stream()
                            .map(broker -> CompletableFuture.runAsync(broker::awaitReady, task -> Thread.ofVirtual().start(task)))
                            .toArray(CompletableFuture[]::new))
                    .get(START.toMillis(), TimeUnit.MILLISECONDS);
            return cluster;
        } catch (Exception e) {
            cluster.close(); // ends the JVMs, and with their output the threads still reading it
            throw new IllegalStateException("the " + size + " brokers were not all ready within " + START.toMinutes() + " min; see "
                    + logDir.resolve("broker-<id>.log"), e);
        }
    }

    /** Every node's {@code host:port}: a client needs only one that answers, and learns the others from it. */
    public String bootstrapServers() {
        return String.join(",", brokers.stream().map(BrokerJvm::bootstrapServers).toList());
    }

    /** The node with this id (1, 2, ...). */
    public BrokerJvm broker(int nodeId) {
        return brokers.stream().filter(broker -> broker.nodeId() == nodeId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no broker " + nodeId));
    }

    /** The node whose controller leads the metadata quorum now: the one whose death costs the most (an election, too). */
    public int quorumLeader() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            return admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
        } catch (Exception e) {
            throw new IllegalStateException("the cluster did not name its quorum's leader", e);
        }
    }

    /** Returns once the cluster no longer counts the broker among the live ones: the others lead its partitions. */
    public void awaitFenced(int nodeId) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            await().atMost(FENCED).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> admin.describeCluster().nodes()
                    .get(10, TimeUnit.SECONDS).stream().noneMatch(node -> node.id() == nodeId));
        }
    }

    @Override
    public void close() {
        brokers.forEach(BrokerJvm::close);
    }
}
