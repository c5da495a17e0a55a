package io.conveyor.api;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds the memory of submissions waiting for Kafka. When Kafka is slow or away each POST waits up to the submit
 * timeout, holding its body, its JSON tree and its record; with virtual threads nothing else limits how many wait, so
 * a burst would fill the heap. A request is charged before its body is read: {@value #COPIES} times its declared
 * length (the largest body allowed if it declares none), plus {@value #REQUEST_OVERHEAD_BYTES} bytes for the request
 * itself; one that does not fit under the limit is refused at once with 503 and {@code Retry-After}, never queued.
 */
final class PendingSubmissions {

    /** The body, its JSON tree, the record's bytes and the producer's copy of them. */
    static final int COPIES = 4;
    /** A request's own objects (Jetty's, Javalin's, its virtual thread), whatever its body. */
    static final long REQUEST_OVERHEAD_BYTES = 16 * 1024;

    private final long limitBytes;
    private final long unknownLengthBytes;
    private final AtomicLong pending = new AtomicLong();

    /**
     * @param limitBytes         the most all waiting submissions may be charged together
     * @param unknownLengthBytes what a body of unknown length may grow to (the largest accepted)
     */
    PendingSubmissions(long limitBytes, long unknownLengthBytes) {
        this.limitBytes = limitBytes;
        this.unknownLengthBytes = unknownLengthBytes;
    }

    /**
     * Admits a request whose body declares {@code contentLength} bytes (negative: unknown), or throws
     * {@link SubmissionsOverloadedException}. The first request is always admitted, so a limit below one body's
     * charge cannot refuse everything.
     */
    Admission admit(long contentLength) {
        long charge = COPIES * ((contentLength < 0 ? unknownLengthBytes : contentLength) + REQUEST_OVERHEAD_BYTES);
        long now = pending.addAndGet(charge);
        if (now > limitBytes && now != charge) {
            pending.addAndGet(-charge);
            throw new SubmissionsOverloadedException("the submissions waiting for Kafka hold as much memory as this API"
                    + " allows (" + limitBytes + " bytes); try again later");
        }
        return () -> pending.addAndGet(-charge);
    }

    /** What the waiting submissions are charged now. */
    long pendingBytes() {
        return pending.get();
    }

    /** Ends an admitted request's charge; closed once, when its answer is decided. */
    interface Admission extends AutoCloseable {
        @Override
        void close();
    }
}
