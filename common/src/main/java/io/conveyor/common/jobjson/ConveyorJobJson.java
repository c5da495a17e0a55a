package io.conveyor.common.jobjson;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import org.jobrunr.jobs.Job;
import org.jobrunr.utils.mapper.JsonMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * JobRunr's JSON mapper for the ledger, with a fast path for Conveyor's one job shape: a {@link Job} whose parameter
 * has a {@link JobParameterJson} (the worker's job request), whose states are of the classes Conveyor's jobs go
 * through (enqueued, scheduled, processing, succeeded, failed, deleted) and whose metadata holds text, whole numbers,
 * truth values and progress bars is written and read token by token with Jackson's streaming generator and parser:
 * no tree, no reflection, no type resolution. It writes the JSON JobRunr's own mapper writes, field for field, and
 * reads it into the job that mapper would make, so the ledger's rows, the dashboard and JobRunr's own code cannot tell
 * the two apart.
 * <p>
 * Everything else goes to the wrapped mapper: other objects, a job of another shape, and any JSON the fast path does
 * not know or fails on, which it then abandons before anything left it. Correctness never rests on the fast path.
 */
public final class ConveyorJobJson implements JsonMapper {

    /** About the length of a noop job's JSON after it succeeded, so that its writer rarely grows. */
    private static final int TYPICAL_JOB_CHARS = 1_400;

    private final JsonMapper fallback;
    private final JsonFactory factory = new JsonFactory();
    private final JobJsonWriter writer;
    private final JobJsonReader reader;

    /**
     * @param fallback   JobRunr's mapper, for everything not of Conveyor's job shape
     * @param parameters the codecs of the job parameter classes whose jobs take the fast path
     */
    public ConveyorJobJson(JsonMapper fallback, List<JobParameterJson<?>> parameters) {
        this.fallback = fallback;
        Map<Class<?>, JobParameterJson<?>> byClass = new HashMap<>();
        Map<String, JobParameterJson<?>> byName = new HashMap<>();
        for (JobParameterJson<?> parameter : parameters) {
            byClass.put(parameter.type(), parameter);
            byName.put(parameter.type().getName(), parameter);
        }
        this.writer = new JobJsonWriter(Map.copyOf(byClass));
        this.reader = new JobJsonReader(Map.copyOf(byName));
    }

    /** Over {@code fallback}, with the job parameter codecs on the class path ({@link ServiceLoader}). */
    public static ConveyorJobJson withInstalledParameters(JsonMapper fallback) {
        List<JobParameterJson<?>> parameters = ServiceLoader.load(JobParameterJson.class, JobParameterJson.class.getClassLoader()).stream()
                .<JobParameterJson<?>>map(ServiceLoader.Provider::get)
                .toList();
        return new ConveyorJobJson(fallback, parameters);
    }

    @Override
    public String serialize(Object object) {
        if (object != null && object.getClass() == Job.class) {
            String json = fastSerialize((Job) object);
            if (json != null) {
                return json;
            }
        }
        return fallback.serialize(object);
    }

    @Override
    public void serialize(OutputStream outputStream, Object object) {
        if (object != null && object.getClass() == Job.class) {
            String json = fastSerialize((Job) object);
            if (json != null) {
                try {
                    outputStream.write(json.getBytes(StandardCharsets.UTF_8));
                    return;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        fallback.serialize(outputStream, object);
    }

    @Override
    public <T> T deserialize(String serializedObjectAsString, Class<T> clazz) {
        if (clazz == Job.class && serializedObjectAsString != null) {
            Job job = fastDeserialize(serializedObjectAsString);
            if (job != null) {
                return clazz.cast(job);
            }
        }
        return fallback.deserialize(serializedObjectAsString, clazz);
    }

    /**
     * The job's JSON, or null if the fast path does not know its shape. A runtime exception of the fast path (a
     * getter of a state made by Jackson from unusual JSON may throw one) means the same: the fallback decides.
     */
    private String fastSerialize(Job job) {
        StringWriter text = new StringWriter(TYPICAL_JOB_CHARS);
        try (JsonGenerator json = factory.createGenerator(text)) {
            writer.write(job, json);
        } catch (IOException | UnknownJobShape | RuntimeException e) {
            return null;
        }
        return text.toString();
    }

    /** The job of this JSON, or null if the fast path does not know its shape or cannot read it. */
    private Job fastDeserialize(String text) {
        try (JsonParser json = factory.createParser(text)) {
            return reader.read(json);
        } catch (IOException | UnknownJobShape | RuntimeException e) {
            return null;
        }
    }
}
