package io.conveyor.api;

import io.conveyor.common.JobSubmission;
import io.conveyor.common.JobSubmissionJson;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The checked members of a {@code POST /batches} body, kept in a temporary file until the whole body proved valid, so
 * that nothing is sent for a body whose member 99,999 is wrong, and memory holds one member at a time however large
 * the batch. Each member is stored as its jobs-topic record (its id, then the record's length and bytes), in request
 * order; {@link #read} gives them back, and the file is deleted on {@link #close}.
 */
final class MemberSpill implements AutoCloseable {

    private static final int BUFFER_BYTES = 64 * 1024;

    private final Path file;
    private final DataOutputStream out;
    private int size;
    private long recordBytes;

    private MemberSpill(Path file) throws IOException {
        this.file = file;
        this.out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file), BUFFER_BYTES));
    }

    /** An empty spill in a new file of the temporary directory ({@code java.io.tmpdir}). */
    static MemberSpill create() {
        try {
            return new MemberSpill(Files.createTempFile("conveyor-batch-", ".members"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a temporary file for a batch's members", e);
        }
    }

    /** Appends a member; its record is what goes to the jobs topic. */
    void add(JobSubmission member) {
        byte[] record = JobSubmissionJson.toTopic(member);
        try {
            out.writeLong(member.id().getMostSignificantBits());
            out.writeLong(member.id().getLeastSignificantBits());
            out.writeInt(record.length);
            out.write(record);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write a batch's member to its temporary file " + file, e);
        }
        size++;
        recordBytes += record.length;
    }

    /** Where the members are kept. */
    Path file() {
        return file;
    }

    /** How many members were added. */
    int size() {
        return size;
    }

    /** The bytes of their records together. */
    long recordBytes() {
        return recordBytes;
    }

    /** Reads the members back in the order they were added; call once every member is in. */
    Members read() {
        try {
            out.flush();
            return new Members(new DataInputStream(new BufferedInputStream(Files.newInputStream(file), BUFFER_BYTES)));
        } catch (IOException e) {
            throw new UncheckedIOException("could not read a batch's members back from " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            // the file is deleted below anyway
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete a batch's temporary file " + file, e);
        }
    }

    /** A pass over the spilled members: chunks of submissions to send, or their ids alone. */
    static final class Members implements AutoCloseable {

        private final DataInputStream in;

        private Members(DataInputStream in) {
            this.in = in;
        }

        /**
         * The next members, at most {@code count} of them and, past the first, no more than {@code maxBytes} of
         * records; empty once all were read. {@code acceptedAt} is the batch's, which every record carries anyway.
         */
        List<JobSubmission> nextChunk(int count, long maxBytes, Instant acceptedAt) {
            List<JobSubmission> chunk = new ArrayList<>(Math.min(count, 1024));
            long bytes = 0;
            try {
                while (chunk.size() < count && (chunk.isEmpty() || bytes < maxBytes)) {
                    UUID id = nextId();
                    if (id == null) {
                        break;
                    }
                    byte[] record = new byte[in.readInt()];
                    in.readFully(record);
                    bytes += record.length;
                    chunk.add(JobSubmissionJson.fromTopic(record, id, acceptedAt));
                }
                return chunk;
            } catch (IOException e) {
                throw new UncheckedIOException("could not read a batch's members back from their temporary file", e);
            }
        }

        /** The next member's id, skipping its record; null after the last. */
        UUID nextIdOnly() {
            try {
                UUID id = nextId();
                if (id != null) {
                    in.skipNBytes(in.readInt());
                }
                return id;
            } catch (IOException e) {
                throw new UncheckedIOException("could not read a batch's members back from their temporary file", e);
            }
        }

        private UUID nextId() throws IOException {
            long most;
            try {
                most = in.readLong();
            } catch (EOFException end) {
                return null;
            }
            return new UUID(most, in.readLong());
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                // read to the end or abandoned: nothing to keep
            }
        }
    }
}
