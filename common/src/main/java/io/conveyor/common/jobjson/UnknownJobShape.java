package io.conveyor.common.jobjson;

/**
 * Met by the job codec on a job or JSON that is not of the shape it knows (another class of state or job parameter, a
 * field it does not write, a value it cannot make again without reflection): the codec then leaves the whole job to
 * JobRunr's own mapper. Not an error, so it carries no stack trace.
 */
public final class UnknownJobShape extends Exception {

    public UnknownJobShape(String what) {
        super(what, null, false, false);
    }
}
