package io.conveyor.api.events;

import io.javalin.http.Context;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes one Server-Sent Events response, straight to the servlet's output and flushed at every event. Javalin's own
 * SSE handler answers only requests whose {@code Accept} names {@code text/event-stream}; a plain {@code curl -N}
 * gets an event stream here as well.
 */
public final class SseWriter {

    private final OutputStream out;

    public SseWriter(Context ctx) throws IOException {
        ctx.status(200);
        ctx.res().setContentType("text/event-stream");
        ctx.res().setCharacterEncoding("UTF-8");
        ctx.res().setHeader("Cache-Control", "no-cache");
        ctx.res().setHeader("X-Accel-Buffering", "no"); // a proxy in front must not hold events back
        this.out = ctx.res().getOutputStream();
        out.flush();
    }

    /** One event; {@code data} is one line (compact JSON). A failed write means the client went away. */
    public void event(String name, String id, String data) throws IOException {
        StringBuilder text = new StringBuilder(data.length() + 64);
        if (id != null) {
            text.append("id: ").append(id).append('\n');
        }
        text.append("event: ").append(name).append('\n').append("data: ").append(data).append("\n\n");
        write(text.toString());
    }

    /** A comment line: keeps the connection open through idle proxies and finds out whether the client is still there. */
    public void comment(String text) throws IOException {
        write(": " + text + "\n\n");
    }

    private void write(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
