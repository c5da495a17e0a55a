package io.conveyor.app;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Drops JobRunr's line for a failed job run ({@code Job(id=..., jobName='...') processing failed: ...}, a WARN with the
 * stack trace, or an ERROR when no retry follows): the worker logs each failure itself, from the state it recorded
 * ({@code io.conveyor.worker.ledger.JobFailureLog}), as one WARN line when the failure was expected (bad payload,
 * unknown type, a path outside the data root) and with the stack trace only when it was not.
 */
public final class JobRunrFailureLineFilter extends Filter<ILoggingEvent> {

    static final String LOGGER = "org.jobrunr.server.BackgroundJobPerformer";
    static final String FAILED_LINE = "Job(id={}, jobName='{}') processing failed: {}";

    @Override
    public FilterReply decide(ILoggingEvent event) {
        return LOGGER.equals(event.getLoggerName()) && FAILED_LINE.equals(event.getMessage()) ? FilterReply.DENY : FilterReply.NEUTRAL;
    }
}
