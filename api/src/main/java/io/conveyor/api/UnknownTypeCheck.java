package io.conveyor.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.conveyor.common.InvalidJobException;
import io.conveyor.common.JobSubmission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The door's check of a submitted type: a type that no worker of the fleet has ever announced is most likely a typo,
 * and would wait forever, so {@code POST /jobs} refuses it with 422 naming the known types, unless the submission
 * says {@code "allowUnknownType": true} (a type whose workers are about to be deployed). The announced types are read
 * from the ledger at most every {@link #FRESH} (and again at once, at most every {@link #RECHECK}, for a type not
 * among them: a worker that just joined with a new type is believed within a moment).
 *
 * <p>The check never stands between a client and Kafka when it cannot decide: while the ledger cannot be read, or
 * before any worker ever announced anything (a fleet not deployed yet), every type is let through, to wait. A read
 * that failed is not tried again for {@link #FRESH}: during an outage each try waits for a connection (up to 5 s), and
 * trying at every submission made every {@code POST /jobs} that slow.
 */
final class UnknownTypeCheck {

    /** The submission's field that lets an unknown type through. */
    static final String FIELD = "allowUnknownType";
    private static final Logger LOGGER = LoggerFactory.getLogger(UnknownTypeCheck.class);
    private static final Duration FRESH = Duration.ofSeconds(5);
    private static final Duration RECHECK = Duration.ofMillis(250);

    private final Supplier<Set<String>> announcedTypes;
    private final Clock clock;
    private volatile Known known = new Known(Set.of(), Instant.MIN);
    /** When a read last failed: for {@link #FRESH} after it nobody tries again (each try may wait for a connection). */
    private volatile Instant failedAt = Instant.MIN;

    private record Known(Set<String> types, Instant readAt) {
    }

    UnknownTypeCheck(Supplier<Set<String>> announcedTypes, Clock clock) {
        this.announcedTypes = announcedTypes;
        this.clock = clock;
    }

    /**
     * The submission without {@link #FIELD}, and whether it was true; the field is the door's, not the job's, so it
     * is neither carried on the topic nor compared by an idempotency key.
     */
    static Taken take(JsonNode body) {
        if (!(body instanceof ObjectNode object) || !object.has(FIELD)) {
            return new Taken(body, false);
        }
        ObjectNode copy = object.deepCopy();
        JsonNode allow = copy.remove(FIELD);
        if (!allow.isBoolean() && !allow.isNull()) {
            throw new InvalidJobException(FIELD, FIELD + " must be true or false, was " + allow);
        }
        return new Taken(copy, allow.asBoolean(false));
    }

    record Taken(JsonNode body, boolean allowUnknownType) {
    }

    /** Throws {@link InvalidJobException} (422) if no worker ever announced the job's type and the client did not allow that. */
    void check(JobSubmission job, boolean allowUnknownType) {
        if (allowUnknownType) {
            return;
        }
        Set<String> types = types(job.type());
        if (types.isEmpty() || types.contains(job.type())) {
            return;
        }
        throw new InvalidJobException("type", "no worker has ever announced job type '" + job.type() + "'; known types: " + new TreeSet<>(types)
                + " (send \"" + FIELD + "\": true to submit it anyway: it waits until a worker that runs it joins)");
    }

    private Set<String> types(String wanted) {
        Known now = known;
        Instant at = clock.instant();
        boolean stale = now.readAt().plus(FRESH).isBefore(at)
                || (!now.types().contains(wanted) && now.readAt().plus(RECHECK).isBefore(at));
        if (!stale) {
            return now.types();
        }
        if (failedAt.plus(FRESH).isAfter(at)) {
            return Set.of(); // the ledger could not be read a moment ago: let it through rather than wait again
        }
        try {
            Known read = new Known(announcedTypes.get(), at);
            known = read;
            return read.types();
        } catch (LedgerUnavailableException e) {
            failedAt = at;
            LOGGER.debug("the announced job types cannot be read; letting '{}' through: {}", wanted, e.getMessage());
            return Set.of();
        }
    }
}
