package io.conveyor.handler;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The JSON mapper of Conveyor: payloads are read, results written and the jobs topic's records (de)serialised with
 * this one configuration, so a handler that builds its result with it writes what the API will read back.
 */
public final class Json {

    /** Thread-safe; Jackson modules on the class path are registered. */
    public static final ObjectMapper MAPPER = JsonMapper.builder().findAndAddModules().build();

    private Json() {
    }
}
