package io.conveyor.api.events;

import io.conveyor.common.JobEvent;
import io.conveyor.common.KafkaSettings;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * The API instance's one reader of the events topic, shared by every stream it serves: it reads every partition from
 * where the topic ended when the API started, without a consumer group (each API instance sees every event, so any
 * instance serves any job), and hands each event to the streams that want it, never waiting for any of them. A
 * stream resumed from an earlier position ({@code Last-Event-ID}) gets a reader of its own from there
 * ({@link #replay}); there are at most {@link #MOST_REPLAYS} at once.
 *
 * <p>While no stream is open the reader reads no events, only where the topic ends (every {@link #IDLE_LOOK}), so that
 * a stream opened then starts there. Reading and parsing every event of a busy fleet for nobody cost this JVM (which
 * in {@code dev} and the benchmark also runs the broker) about a fifth of its CPU time per job.
 */
public final class EventHub implements AutoCloseable {

    static final int MOST_REPLAYS = 64;
    private static final Logger LOGGER = LoggerFactory.getLogger(EventHub.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY_DELAY = Duration.ofSeconds(2);
    /** How often a reader with no stream to feed looks where the topic ends: a stream opened may get events this much older. */
    static final Duration IDLE_LOOK = Duration.ofMillis(250);
    /** The longest one look for the topic's end may wait for Kafka: the next look tries again. */
    private static final Duration LOOK_TIMEOUT = Duration.ofSeconds(2);

    private final KafkaSettings kafka;
    private final String topic;
    private final String clientId;
    private final Object lock = new Object();
    /** Streams of one job, by job id; streams of the whole fleet. Changed and read under {@link #lock}. */
    private final Map<UUID, Set<EventSubscriber>> byJob = new ConcurrentHashMap<>();
    private final Set<EventSubscriber> fleet = ConcurrentHashMap.newKeySet();
    private final Semaphore replays = new Semaphore(MOST_REPLAYS);
    private final Thread reader;
    private volatile KafkaConsumer<String, byte[]> consumer;
    /** Where the reader stands; null until it has found the topic's partitions. Changed under {@link #lock}. */
    private volatile EventPosition position;
    private volatile boolean running = true;
    private final LongAdder eventsRead = new LongAdder();

    public EventHub(KafkaSettings kafka, String clientId) {
        this.kafka = kafka;
        this.topic = kafka.topics().events();
        this.clientId = clientId;
        this.reader = Thread.ofPlatform().name("conveyor-events-reader").daemon().start(this::read);
    }

    /** Whether the reader has found the topic and streams can start. */
    public boolean ready() {
        return position != null;
    }

    /**
     * Opens a stream of one job's events, or the whole fleet's if {@code job} is null: from now on, or from the
     * position a {@code Last-Event-ID} names. Empty while the reader has not found the topic yet, or when
     * {@link #MOST_REPLAYS} resumed streams are open already.
     */
    public Optional<EventStream> open(UUID job, Predicate<JobEvent> wanted, String lastEventId) {
        EventPosition now = position;
        if (now == null) {
            return Optional.empty();
        }
        Optional<EventPosition> resumeAt = EventPosition.parse(lastEventId, now.partitions());
        if (resumeAt.isPresent()) {
            EventSubscriber subscriber = new EventSubscriber(wanted);
            return replay(resumeAt.get(), subscriber).map(reader -> new EventStream(subscriber, resumeAt.get(), true, reader));
        }
        EventSubscriber subscriber = new EventSubscriber(wanted);
        synchronized (lock) {
            if (job == null) {
                fleet.add(subscriber);
            } else {
                byJob.computeIfAbsent(job, id -> ConcurrentHashMap.newKeySet()).add(subscriber);
            }
            lock.notifyAll(); // a reader that read nothing for want of streams reads again, from this stream's start
            return Optional.of(new EventStream(subscriber, position, false, () -> unsubscribe(job, subscriber)));
        }
    }

    private void unsubscribe(UUID job, EventSubscriber subscriber) {
        synchronized (lock) {
            if (job == null) {
                fleet.remove(subscriber);
            } else {
                byJob.computeIfPresent(job, (id, subscribers) -> {
                    subscribers.remove(subscriber);
                    return subscribers.isEmpty() ? null : subscribers;
                });
            }
        }
    }

    /** A reader of its own for a resumed stream: from {@code from}, waiting for the client as long as it takes, until closed. */
    private Optional<AutoCloseable> replay(EventPosition from, EventSubscriber subscriber) {
        if (!replays.tryAcquire()) {
            return Optional.empty();
        }
        KafkaConsumer<String, byte[]> own = newConsumer("earliest");
        // A platform thread: a Kafka consumer spends its life in a selector's wait, which would hold a virtual thread's carrier.
        Thread thread = Thread.ofPlatform().name("conveyor-events-replay").daemon().start(() -> {
            try (own) {
                List<TopicPartition> partitions = partitions(own);
                own.assign(partitions);
                EventPosition at = from.partitions() == partitions.size() ? from : EventPosition.start(partitions.size());
                for (TopicPartition partition : partitions) {
                    own.seek(partition, at.next(partition.partition()));
                }
                while (!Thread.currentThread().isInterrupted()) {
                    for (ConsumerRecord<String, byte[]> record : own.poll(POLL)) {
                        at = at.after(record.partition(), record.offset());
                        Optional<StreamedEvent> event = parse(record, at);
                        if (event.isPresent()) {
                            subscriber.put(event.get());
                        }
                    }
                }
            } catch (InterruptedException | WakeupException | org.apache.kafka.common.errors.InterruptException e) {
                // the stream ended
            } catch (RuntimeException e) {
                LOGGER.warn("a resumed event stream's reader stopped: {}", e.toString());
            } finally {
                replays.release();
            }
        });
        return Optional.of(() -> {
            own.wakeup();
            thread.interrupt();
        });
    }

    private void read() {
        while (running) {
            try (KafkaConsumer<String, byte[]> reading = newConsumer("latest")) {
                consumer = reading;
                List<TopicPartition> partitions = partitions(reading);
                reading.assign(partitions);
                EventPosition from = position;
                if (from == null || from.partitions() != partitions.size()) {
                    reading.seekToEnd(partitions);
                    long[] next = new long[partitions.size()];
                    partitions.forEach(partition -> next[partition.partition()] = reading.position(partition));
                    from = new EventPosition(next);
                } else {
                    EventPosition resumeAt = from; // after a reconnect: nothing missed
                    partitions.forEach(partition -> reading.seek(partition, resumeAt.next(partition.partition())));
                }
                synchronized (lock) {
                    position = from;
                }
                while (running) {
                    if (waitedForAStream(reading, partitions)) {
                        EventPosition at = position; // a stream opened: read on from where it starts
                        partitions.forEach(partition -> reading.seek(partition, at.next(partition.partition())));
                    }
                    for (ConsumerRecord<String, byte[]> record : reading.poll(POLL)) {
                        dispatch(record);
                    }
                }
            } catch (WakeupException | InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (running) {
                    LOGGER.warn("the events reader failed, starting again in {} s: {}", RETRY_DELAY.toSeconds(), e.toString());
                    if (!pause()) {
                        return;
                    }
                }
            }
        }
    }

    /**
     * While no stream is open: reads no events, only moves {@link #position} to where the topic ends, every
     * {@link #IDLE_LOOK}, until a stream opens. Returns whether it waited (the consumer must then be moved to
     * {@link #position}).
     */
    private boolean waitedForAStream(KafkaConsumer<String, byte[]> reading, List<TopicPartition> partitions) throws InterruptedException {
        boolean waited = false;
        while (running && nobodyListens()) {
            waited = true;
            Map<TopicPartition, Long> ends = endsOrNull(reading, partitions);
            synchronized (lock) {
                if (!nobodyListens()) {
                    break;
                }
                if (ends != null) {
                    long[] next = new long[partitions.size()];
                    ends.forEach((partition, end) -> next[partition.partition()] = end);
                    position = new EventPosition(next);
                }
                lock.wait(IDLE_LOOK.toMillis());
            }
        }
        return waited;
    }

    private boolean nobodyListens() {
        return fleet.isEmpty() && byJob.isEmpty();
    }

    /** Where each partition ends; null if Kafka did not say in time (the next look asks again). */
    private static Map<TopicPartition, Long> endsOrNull(KafkaConsumer<String, byte[]> reading, List<TopicPartition> partitions) {
        try {
            return reading.endOffsets(partitions, LOOK_TIMEOUT);
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            LOGGER.debug("could not learn where the events topic ends: {}", e.toString());
            return null;
        }
    }

    /** Events this reader has read for the streams it feeds (none while no stream is open); resumed streams' readers not counted. */
    public long eventsRead() {
        return eventsRead.sum();
    }

    private void dispatch(ConsumerRecord<String, byte[]> record) {
        eventsRead.increment();
        synchronized (lock) {
            position = position.after(record.partition(), record.offset());
            Optional<StreamedEvent> parsed = parse(record, position);
            if (parsed.isEmpty()) {
                return;
            }
            StreamedEvent event = parsed.get();
            Set<EventSubscriber> ofJob = byJob.get(event.event().id());
            if (ofJob != null) {
                ofJob.forEach(subscriber -> subscriber.offer(event));
            }
            fleet.forEach(subscriber -> subscriber.offer(event));
        }
    }

    /** Empty for a record that is not an event (a stream skips it; its position still moves past it). */
    private static Optional<StreamedEvent> parse(ConsumerRecord<String, byte[]> record, EventPosition after) {
        try {
            return Optional.of(new StreamedEvent(JobEvent.fromJson(record.value()), new String(record.value(), StandardCharsets.UTF_8), after));
        } catch (IOException | RuntimeException e) {
            LOGGER.debug("skipping a record of the events topic that is not an event at {}-{}: {}", record.partition(), record.offset(), e.toString());
            return Optional.empty();
        }
    }

    /** The topic's partitions, waiting until it exists (the API creates it in the background when Kafka answers). */
    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> reading) {
        while (true) {
            List<PartitionInfo> found = reading.partitionsFor(topic, Duration.ofSeconds(10));
            if (found != null && !found.isEmpty()) {
                return found.stream().map(info -> new TopicPartition(topic, info.partition()))
                        .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
            }
            if (!pause()) {
                throw new WakeupException();
            }
        }
    }

    private KafkaConsumer<String, byte[]> newConsumer(String reset) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-events",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset,
                // The events' JSON only: a reader never needs more than a poll's worth in memory.
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500),
                new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** False if interrupted meanwhile (the hub or the stream is closing). */
    private static boolean pause() {
        try {
            Thread.sleep(RETRY_DELAY);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        running = false;
        KafkaConsumer<String, byte[]> reading = consumer;
        if (reading != null) {
            reading.wakeup();
        }
        reader.interrupt();
    }
}
