package io.conveyor.worker.process;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * A background part of a worker (intake, the success writer, the liveness watchdog, the claim trigger, the signals'
 * listeners, the deleted jobs' relay, the job server's keeper) runs on a thread of its own that catches what it
 * expects. Whatever it does not expect and lets escape ends its thread, and a worker missing one of those parts looks
 * alive while it no longer works: so such a death ends the process with {@link JobServerKeeper#EXIT_CODE}, for its
 * supervisor or restart policy to start a whole new worker. Job threads are not parts: a job's failure is the job's.
 */
final class BackgroundPartDeaths {

    private static final Logger LOGGER = LoggerFactory.getLogger(BackgroundPartDeaths.class);

    /** The names its background parts give their threads (see each part). */
    static final List<String> PART_THREADS = List.of("conveyor-intake", "conveyor-claim-trigger", "conveyor-succeeded-writer",
            "conveyor-liveness-watchdog", "conveyor-deleted-jobs", "conveyor-job-server-keeper", "conveyor_jobs_waiting-listener",
            "conveyor_jobs_cancelled-listener");

    private BackgroundPartDeaths() {
    }

    /**
     * Makes a background part's death end the process through {@code exit}; any other thread's uncaught throwable goes
     * to the handler installed before, as does a {@link VirtualMachineError} (install {@code FatalJobErrors} after this).
     */
    static void endProcessOnDeath(String workerName, ProcessExit exit) {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> {
            if (isPart(thread) && !(error instanceof VirtualMachineError)) {
                LOGGER.error("worker {}: background part {} stopped on an unexpected error", workerName, thread.getName(), error);
                exit.exit(JobServerKeeper.EXIT_CODE, "its background part " + thread.getName() + " stopped on an unexpected error: " + error);
            } else if (previous != null) {
                previous.uncaughtException(thread, error);
            } else {
                System.err.print("Exception in thread \"" + thread.getName() + "\" ");
                error.printStackTrace();
            }
        });
    }

    static boolean isPart(Thread thread) {
        return PART_THREADS.contains(thread.getName());
    }
}
