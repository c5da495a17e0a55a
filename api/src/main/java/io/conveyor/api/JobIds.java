package io.conveyor.api;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

/**
 * Issues job ids: time-ordered UUIDv7s whose low 32 bits are an HMAC tag over the rest, so that any API instance
 * holding the same secret can tell an id it (or a sibling) accepted from one nobody issued.
 * <p>
 * Layout (RFC 9562 UUIDv7): 48 bits unix milliseconds, version 7, 12 + 30 random bits with the RFC's variant in
 * between, then the 32-bit tag. Ids from one instance increase strictly, even within a millisecond: the random bits
 * count up (RFC 9562 section 6.2, method 2).
 * <p>
 * A submission with an idempotency key gets an id derived from the key instead ({@link #forKey}): a UUIDv8 whose 90
 * free bits are an HMAC of the key, tagged like the others. Every API instance with the same secret derives the same
 * id from the same key, so the ledger's primary key makes a repeated submission the same job, without shared state.
 */
public final class JobIds {

    private static final String HMAC = "HmacSHA256";
    private static final int RANDOM_BITS = 42;
    private static final long RANDOM_MASK = (1L << RANDOM_BITS) - 1;
    private static final long MILLIS_MASK = (1L << 48) - 1;

    private final Clock clock;
    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();
    // A Mac is not thread-safe, and building one per call costs more than the HMAC itself.
    private final ThreadLocal<Mac> macs;
    private long lastMillis = -1;
    private long lastRandom;

    public JobIds(String secret, Clock clock) {
        this.clock = clock;
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC);
        this.macs = ThreadLocal.withInitial(this::newMac);
        newMac(); // fail now, not on the first request, if the JVM lacks HmacSHA256
    }

    /** A new id, greater than every id this instance issued before. */
    public UUID next() {
        long millis;
        long randomBits;
        synchronized (this) {
            millis = Math.max(clock.millis(), lastMillis);
            if (millis == lastMillis && lastRandom < RANDOM_MASK) {
                randomBits = lastRandom + 1;
            } else {
                if (millis == lastMillis) {
                    millis++; // 2^42 ids in one millisecond: borrow the next one rather than go backwards
                }
                // The top random bit starts at 0 so that a millisecond has room for at least 2^41 more ids.
                randomBits = random.nextLong() & (RANDOM_MASK >>> 1);
            }
            lastMillis = millis;
            lastRandom = randomBits;
        }
        long mostSignificant = (millis & MILLIS_MASK) << 16 | 0x7000L | (randomBits >>> 30);
        long untagged = 0x8000_0000_0000_0000L | (randomBits & ((1L << 30) - 1)) << 32;
        return new UUID(mostSignificant, untagged | tag(mostSignificant, untagged));
    }

    /** The id of the job submitted with this idempotency key: the same on every API instance that shares the secret. */
    public UUID forKey(String idempotencyKey) {
        byte[] digest = macs.get().doFinal(("conveyor idempotency key\0" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
        ByteBuffer bits = ByteBuffer.wrap(digest);
        long mostSignificant = (bits.getLong() & ~0xF000L) | 0x8000L;
        long untagged = 0x8000_0000_0000_0000L | (bits.getInt() & 0x3FFF_FFFFL) << 32;
        return new UUID(mostSignificant, untagged | tag(mostSignificant, untagged));
    }

    /** True iff {@code id} is a version-7 (or, from a key, version-8) id whose tag verifies under this secret, i.e. an API sharing it issued the id. */
    public boolean issuedHere(UUID id) {
        if ((id.version() != 7 && id.version() != 8) || id.variant() != 2) {
            return false;
        }
        long leastSignificant = id.getLeastSignificantBits();
        long expected = tag(id.getMostSignificantBits(), leastSignificant & 0xFFFF_FFFF_0000_0000L);
        return MessageDigest.isEqual(bytes((int) expected), bytes((int) leastSignificant));
    }

    private long tag(long mostSignificant, long untaggedLeast) {
        byte[] message = ByteBuffer.allocate(12).putLong(mostSignificant).putInt((int) (untaggedLeast >>> 32)).array();
        byte[] digest = macs.get().doFinal(message);
        return ByteBuffer.wrap(digest).getInt() & 0xFFFF_FFFFL;
    }

    private static byte[] bytes(int value) {
        return ByteBuffer.allocate(4).putInt(value).array();
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(HMAC + " is not available in this JVM", e);
        }
    }
}
