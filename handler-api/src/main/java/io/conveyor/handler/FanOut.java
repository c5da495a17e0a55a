package io.conveyor.handler;

import java.util.List;
import java.util.UUID;

/**
 * What {@link JobContext#fanOut} made: a batch of the children and its completion job. The ids are derived from the
 * parent's id and each child's index, so every attempt of the parent names the same jobs.
 *
 * @param batch    the batch's id ({@code GET /batches/{id}})
 * @param children the children's job ids, in the order given
 * @param then     the continuation's job id
 */
public record FanOut(UUID batch, List<UUID> children, UUID then) {

    /** The most children one fan-out may have: they are written in the one transaction of the parent's success. */
    public static final int MAX_CHILDREN = 10_000;

    public FanOut {
        children = List.copyOf(children);
    }
}
