package io.conveyor.common.jobjson;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;

/**
 * The next value of a JSON stream as one of the simple types of a job's JSON, or {@link UnknownJobShape} if its token
 * is not one that JobRunr's mapper writes for that type (Jackson would coerce some of them; the codec leaves that to it).
 */
public final class JsonValues {

    private JsonValues() {
    }

    /** A string, or null for JSON null. */
    public static String string(JsonParser json) throws IOException, UnknownJobShape {
        JsonToken token = json.nextToken();
        if (token == JsonToken.VALUE_STRING) {
            return json.getText();
        }
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        throw unexpected(json, "a string");
    }

    /** A string that must be there. */
    public static String requiredString(JsonParser json) throws IOException, UnknownJobShape {
        String value = string(json);
        if (value == null) {
            throw new UnknownJobShape("null at " + json.currentName());
        }
        return value;
    }

    /** A whole number that fits a long, or null for JSON null. */
    public static Long longValue(JsonParser json) throws IOException, UnknownJobShape {
        JsonToken token = json.nextToken();
        if (token == JsonToken.VALUE_NUMBER_INT) {
            return json.getLongValue();
        }
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        throw unexpected(json, "a whole number");
    }

    /** A whole number that fits an int, or null for JSON null. */
    public static Integer intValue(JsonParser json) throws IOException, UnknownJobShape {
        JsonToken token = json.nextToken();
        if (token == JsonToken.VALUE_NUMBER_INT) {
            return json.getIntValue();
        }
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        throw unexpected(json, "a whole number");
    }

    /** true or false, or null for JSON null. */
    public static Boolean booleanValue(JsonParser json) throws IOException, UnknownJobShape {
        JsonToken token = json.nextToken();
        if (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
            return token == JsonToken.VALUE_TRUE;
        }
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        throw unexpected(json, "true or false");
    }

    /** A constant of {@code type} by its name (JobRunr's mapper writes an enum's {@code toString()}, its name unless overridden), or null. */
    public static <E extends Enum<E>> E enumValue(JsonParser json, Class<E> type) throws IOException, UnknownJobShape {
        String name = string(json);
        if (name == null) {
            return null;
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.toString().equals(name)) {
                return constant;
            }
        }
        throw new UnknownJobShape("no " + type.getSimpleName() + " is written " + name);
    }

    /** The token the caller needs next, else {@link UnknownJobShape}. */
    public static void expect(JsonParser json, JsonToken expected) throws IOException, UnknownJobShape {
        if (json.nextToken() != expected) {
            throw unexpected(json, expected.toString());
        }
    }

    /** The next field of an object that must start with it. */
    public static void expectField(JsonParser json, String name) throws IOException, UnknownJobShape {
        if (json.nextToken() != JsonToken.FIELD_NAME || !name.equals(json.currentName())) {
            throw unexpected(json, "the field " + name);
        }
    }

    public static UnknownJobShape unknownField(JsonParser json, String where) throws IOException {
        return new UnknownJobShape("the field " + json.currentName() + " of " + where);
    }

    private static UnknownJobShape unexpected(JsonParser json, String expected) throws IOException {
        return new UnknownJobShape(json.currentToken() + " where " + expected + " was expected, at " + json.currentName());
    }
}
