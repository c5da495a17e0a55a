package io.conveyor.worker.run;

import io.conveyor.handler.JobHandler;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The job types this worker can run: the built-in handlers plus any {@link JobHandler} found on the classpath
 * through {@link ServiceLoader} ({@code META-INF/services/io.conveyor.handler.JobHandler}).
 */
public final class HandlerRegistry {

    private final Map<String, JobHandler> handlers = new LinkedHashMap<>();

    public HandlerRegistry(Collection<? extends JobHandler> handlers) {
        for (JobHandler handler : handlers) {
            JobHandler previous = this.handlers.putIfAbsent(handler.type(), handler);
            if (previous != null) {
                throw new IllegalStateException("two handlers for job type '" + handler.type() + "': "
                        + previous.getClass().getName() + " and " + handler.getClass().getName());
            }
        }
    }

    /** The built-in handlers followed by those the class loader provides. */
    public static HandlerRegistry withBuiltInsAndServiceLoader(List<JobHandler> builtIns) {
        List<JobHandler> all = new java.util.ArrayList<>(builtIns);
        ServiceLoader.load(JobHandler.class).forEach(all::add);
        return new HandlerRegistry(all);
    }

    public Optional<JobHandler> find(String type) {
        return Optional.ofNullable(handlers.get(type));
    }

    public Collection<String> types() {
        return handlers.keySet();
    }
}
