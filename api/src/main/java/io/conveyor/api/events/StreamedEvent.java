package io.conveyor.api.events;

import io.conveyor.common.JobEvent;

/**
 * An event read from the events topic, as a stream sends it: the parsed event (to filter on), the record's JSON as
 * published (sent as is), and the position after it (the SSE event id).
 */
public record StreamedEvent(JobEvent event, String json, EventPosition position) {
}
