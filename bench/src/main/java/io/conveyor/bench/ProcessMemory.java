package io.conveyor.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The resident set size of a process, as Linux reports it in {@code /proc/<pid>/status} (VmRSS, and its peak VmHWM). */
final class ProcessMemory {

    private ProcessMemory() {
    }

    /** VmRSS in MiB, or empty where there is no {@code /proc} (not Linux) or the process is gone. */
    static Optional<Double> rssMegabytes(long pid) {
        return megabytes(pid, "VmRSS:");
    }

    /** VmHWM (the peak of the resident set size) in MiB, likewise. */
    static Optional<Double> peakRssMegabytes(long pid) {
        return megabytes(pid, "VmHWM:");
    }

    private static Optional<Double> megabytes(long pid, String field) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(line -> line.startsWith(field))
                    .findFirst()
                    .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
