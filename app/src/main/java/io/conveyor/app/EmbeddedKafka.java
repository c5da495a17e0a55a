package io.conveyor.app;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * A real Kafka broker (KRaft, broker and controller in one) running inside this JVM, for {@code dev} and tests: a
 * single node, or one node of a cluster whose other nodes run in other JVMs ({@link #startNode}).
 */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String HOST = "127.0.0.1";
    /**
     * How long a cluster's controller waits for a silent broker's heartbeat before fencing it and moving its partitions'
     * leadership to the other replicas (Kafka's default: 9 s, at 2 s heartbeats). Until then nobody writes to the
     * partitions a killed broker led, so this bounds the pause a broker's death causes: 4 s at 1 s heartbeats leaves
     * room for a controller election (when the killed node was the quorum's leader, about 2-3 s more) and the clients'
     * metadata refresh, within the 5 s a submission waits for Kafka, while a broker merely slow for a moment on a busy
     * machine (GC, a starved CPU) misses three heartbeats before it is fenced.
     */
    static final int CLUSTER_BROKER_SESSION_TIMEOUT_MS = 4_000;
    static final int CLUSTER_BROKER_HEARTBEAT_INTERVAL_MS = 1_000;

    /** A node of a cluster on 127.0.0.1: its node id, the port clients connect to and its controller's port. */
    public record Node(int id, int port, int controllerPort) {

        String voter() {
            return id + "@" + HOST + ":" + controllerPort;
        }
    }

    private final KafkaRaftServer server;
    private final String bootstrapServers;

    private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers) {
        this.server = server;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Formats {@code dataDir} unless it holds the data of an earlier start, and starts a broker on free ports of 127.0.0.1.
     * Returns once the broker accepts clients.
     */
    public static EmbeddedKafka start(Path dataDir) {
        int[] ports = freePorts(2);
        return start(dataDir, ports[0], ports[1]);
    }

    /**
     * Formats {@code dataDir} unless it holds the data of an earlier start, and starts a broker on these ports of
     * 127.0.0.1: started again on the same directory and ports after a crash, it is the same broker to its clients.
     * Returns once the broker accepts clients.
     */
    public static EmbeddedKafka start(Path dataDir, int port, int controllerPort) {
        Node node = new Node(1, port, controllerPort);
        return startNode(dataDir, Uuid.randomUuid().toString(), List.of(node), node.id());
    }

    /**
     * Formats {@code dataDir} for cluster {@code clusterId} unless it holds the data of an earlier start, and starts node
     * {@code nodeId} of {@code cluster}: broker and controller, the controllers of all nodes the voters of the quorum.
     * Internal topics get {@code min(3, nodes)} replicas and, with three, two in sync. Returns once the broker accepts
     * clients, which needs a majority of the controllers: start the other nodes meanwhile, in other JVMs.
     */
    public static EmbeddedKafka startNode(Path dataDir, String clusterId, List<Node> cluster, int nodeId) {
        long started = System.nanoTime();
        Node self = cluster.stream().filter(node -> node.id() == nodeId).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("node " + nodeId + " is not one of " + cluster));
        Properties props = config(dataDir, cluster, self);
        try {
            Files.createDirectories(dataDir);
            Path configFile = dataDir.resolve("server.properties");
            try (Writer out = Files.newBufferedWriter(configFile)) {
                props.store(out, "written by Conveyor's EmbeddedKafka at every start");
            }
            // Format only a fresh directory: formatting again, even with --ignore-formatted, rejects the new cluster id.
            if (!Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
                format(configFile, clusterId);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare Kafka data directory " + dataDir, e);
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        try {
            // Returns after the broker has caught up with the metadata log and been unfenced, i.e. is ready for clients.
            server.startup();
        } catch (RuntimeException e) {
            server.shutdown();
            server.awaitShutdown();
            throw e;
        }
        LOG.info("Embedded Kafka broker {} of {} ready at {}:{} in {} ms (data in {})", nodeId, cluster.size(), HOST, self.port(),
                (System.nanoTime() - started) / 1_000_000, dataDir);
        return new EmbeddedKafka(server, HOST + ":" + self.port());
    }

    /** The {@code host:port} clients connect to. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    private static Properties config(Path dataDir, List<Node> cluster, Node self) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", Integer.toString(self.id()));
        p.setProperty("controller.quorum.voters", String.join(",", cluster.stream().map(Node::voter).toList()));
        p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + self.port() + ",CONTROLLER://" + HOST + ":" + self.controllerPort());
        p.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + self.port());
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("log.dirs", dataDir.resolve("logs").toAbsolutePath().toString());
        // The defaults (replication factor 3) leave the internal topics unwritable on fewer nodes:
        // consumer groups and transactions then silently get nothing.
        int replicas = Math.min(3, cluster.size());
        String minInsync = replicas == 3 ? "2" : "1";
        for (String topic : new String[]{"offsets.topic", "transaction.state.log", "share.coordinator.state.topic"}) {
            p.setProperty(topic + ".replication.factor", Integer.toString(replicas));
            p.setProperty(topic + ".num.partitions", "5"); // 50 by default; creating them slows the first group join
        }
        p.setProperty("transaction.state.log.min.isr", minInsync);
        p.setProperty("share.coordinator.state.topic.min.isr", minInsync);
        p.setProperty("min.insync.replicas", minInsync);
        if (cluster.size() > 1) {
            p.setProperty("broker.session.timeout.ms", Integer.toString(CLUSTER_BROKER_SESSION_TIMEOUT_MS));
            p.setProperty("broker.heartbeat.interval.ms", Integer.toString(CLUSTER_BROKER_HEARTBEAT_INTERVAL_MS));
        }
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // The cleaner allocates this buffer on the heap up front; the default 128 MiB is most of a small heap.
        p.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        return p;
    }

    private static void format(Path configFile, String clusterId) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int status;
        // execute, not main: main calls System.exit.
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            status = StorageTool.execute(new String[]{"format",
                    "--cluster-id", clusterId, "--config", configFile.toString()}, out);
        }
        if (status != 0) {
            throw new IllegalStateException("formatting Kafka storage failed (" + status + "): " + output.toString(StandardCharsets.UTF_8));
        }
    }

    public static int[] freePorts(int count) {
        // All sockets stay open until every port is known, so the OS cannot hand out the same port twice.
        // Another process may still take a port before the broker binds it; on a dev machine or CI runner that is rare.
        ServerSocket[] sockets = new ServerSocket[count];
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                sockets[i] = new ServerSocket(0, 1, InetAddress.getByName(HOST));
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on " + HOST, e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    if (socket != null) {
                        socket.close();
                    }
                } catch (IOException ignored) {
                    // nothing was listening for clients yet
                }
            }
        }
    }
}
