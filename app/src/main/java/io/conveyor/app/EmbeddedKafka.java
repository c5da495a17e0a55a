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
import java.util.Properties;

/** A real single-node Kafka broker (KRaft, broker and controller in one) running inside this JVM, for {@code dev} and tests. */
public final class EmbeddedKafka implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String HOST = "127.0.0.1";

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
        long started = System.nanoTime();
        Properties props = config(dataDir, port, controllerPort);
        try {
            Files.createDirectories(dataDir);
            Path configFile = dataDir.resolve("server.properties");
            try (Writer out = Files.newBufferedWriter(configFile)) {
                props.store(out, "written by Conveyor's EmbeddedKafka at every start");
            }
            // Format only a fresh directory: formatting again, even with --ignore-formatted, rejects the new cluster id.
            if (!Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
                format(configFile);
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
        LOG.info("Embedded Kafka broker ready at {}:{} in {} ms (data in {})", HOST, port, (System.nanoTime() - started) / 1_000_000, dataDir);
        return new EmbeddedKafka(server, HOST + ":" + port);
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

    private static Properties config(Path dataDir, int port, int controllerPort) {
        Properties p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.setProperty("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.setProperty("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("log.dirs", dataDir.resolve("logs").toAbsolutePath().toString());
        // With one node the defaults (replication factor 3) leave the internal topics unwritable:
        // consumer groups and transactions then silently get nothing.
        for (String topic : new String[]{"offsets.topic", "transaction.state.log", "share.coordinator.state.topic"}) {
            p.setProperty(topic + ".replication.factor", "1");
            p.setProperty(topic + ".num.partitions", "5"); // 50 by default; creating them slows the first group join
        }
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        // The cleaner allocates this buffer on the heap up front; the default 128 MiB is most of a small heap.
        p.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(4 * 1024 * 1024));
        return p;
    }

    private static void format(Path configFile) {
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int status;
        // execute, not main: main calls System.exit.
        try (PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            status = StorageTool.execute(new String[]{"format",
                    "--cluster-id", Uuid.randomUuid().toString(), "--config", configFile.toString()}, out);
        }
        if (status != 0) {
            throw new IllegalStateException("formatting Kafka storage failed (" + status + "): " + output.toString(StandardCharsets.UTF_8));
        }
    }

    private static int[] freePorts(int count) {
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
