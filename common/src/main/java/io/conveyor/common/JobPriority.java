package io.conveyor.common;

import java.util.Locale;

/**
 * Which of the waiting jobs of a lane a worker claims first: {@link #HIGH} before {@link #NORMAL} before {@link #LOW},
 * except that a job that has waited longer than the aging period ({@code CONVEYOR_PRIORITY_AGING_SECONDS}) goes ahead
 * of every younger job below {@code HIGH}, so a low job is never starved by a stream of normal ones.
 */
public enum JobPriority {
    HIGH, NORMAL, LOW;

    /** How clients write it: {@code high}, {@code normal}, {@code low}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The priority a client named, any case; null if it names none of them. */
    public static JobPriority named(String name) {
        for (JobPriority priority : values()) {
            if (priority.name().equalsIgnoreCase(name)) {
                return priority;
            }
        }
        return null;
    }
}
