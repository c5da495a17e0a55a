package io.conveyor.worker.run;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;

/** The note of a test JVM that a job breaks: printed to stdout as "note &lt;job&gt; &lt;cause&gt;&lt;suffix&gt;", after {@code delay}. */
final class PrintingDeathNote implements FatalJobErrors.DeathNote {

    private final FileOutputStream out = new FileOutputStream(FileDescriptor.out);
    private final Duration delay;
    private final Supplier<String> suffix;

    PrintingDeathNote(Duration delay, Supplier<String> suffix) {
        this.delay = delay;
        this.suffix = suffix;
    }

    @Override
    public void jvmBroke() {
    }

    @Override
    public void leave(UUID jobId, String cause) throws Exception {
        if (!delay.isZero()) {
            Thread.sleep(delay);
        }
        out.write(("note " + jobId + " " + cause + suffix.get() + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
