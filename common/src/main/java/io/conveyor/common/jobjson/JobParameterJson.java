package io.conveyor.common.jobjson;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;

import java.io.IOException;

/**
 * The JSON of one class of job parameter, written and read field by field as JobRunr's Jackson mapper writes it (its
 * fields in declaration order, nulls left out, enums by name). A module that owns a job parameter class registers one
 * with {@link java.util.ServiceLoader} (the worker: its job request); {@link ConveyorJobJson} then reads and writes jobs
 * with that parameter without Jackson's reflection. A job with a parameter of any other class goes to JobRunr's mapper.
 *
 * @param <T> the parameter's class
 */
public interface JobParameterJson<T> {

    /** The parameter's class: only objects of exactly this class are written with {@link #write}. */
    Class<T> type();

    /** Writes the parameter as one JSON object, exactly as JobRunr's Jackson mapper would. */
    void write(T parameter, JsonGenerator json) throws IOException;

    /**
     * Reads the object whose {@code START_OBJECT} the parser has just returned, up to and including its {@code END_OBJECT}.
     *
     * @throws UnknownJobShape at a field or value that {@link #write} never writes: JobRunr's mapper reads the job then
     */
    T read(JsonParser json) throws IOException, UnknownJobShape;
}
