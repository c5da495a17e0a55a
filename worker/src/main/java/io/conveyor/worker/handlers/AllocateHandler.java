package io.conveyor.worker.handlers;

import io.conveyor.handler.Payloads;
import com.fasterxml.jackson.databind.JsonNode;
import io.conveyor.handler.JobContext;
import io.conveyor.handler.JobHandler;
import io.conveyor.handler.Json;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code allocate} {@code {"megabytes": n, "holdMillis": m}}: holds n MiB of heap for m ms (default 200), touching
 * every byte; for showing that a job which exhausts its worker's heap takes down only that worker.
 */
public final class AllocateHandler implements JobHandler {

    public static final long MAX_MEGABYTES = 1L << 20;
    private static final int MEGABYTE = 1 << 20;

    @Override
    public String type() {
        return "allocate";
    }

    @Override
    public JsonNode handle(JobContext context) throws InterruptedException {
        long megabytes = Payloads.longField(context.payload(), "megabytes", 0, MAX_MEGABYTES);
        long holdMillis = Payloads.longField(context.payload(), "holdMillis", 0, SleepHandler.MAX_MILLIS, 200);
        List<byte[]> held = new ArrayList<>();
        for (long i = 0; i < megabytes; i++) {
            byte[] chunk = new byte[MEGABYTE];
            Arrays.fill(chunk, (byte) 1);
            held.add(chunk);
        }
        Thread.sleep(holdMillis);
        return Json.MAPPER.createObjectNode().put("megabytes", held.size());
    }
}
