/**
 * A worker JVM, one package per stage of a job's path: {@code intake} (Kafka to the ledger), {@code claim} (the ledger to
 * a free job thread), {@code run} (the handler runs), {@code ledger} (its states written, and published as events),
 * {@code retry} (what a failure leads to), {@code fleet} (the other workers: alive, dead or hung), and {@code process}
 * (wiring, settings, shutdown, and the supervisor of several worker JVMs). {@code handlers} holds the built-in job types.
 * <p>
 * This package itself holds only the classes whose names the ledger stores with every job
 * ({@link io.conveyor.worker.LedgerJobRequest} and the handlers JobRunr runs it with, {@link io.conveyor.worker.JobDispatcher}
 * and, for the waiting lane, {@link io.conveyor.worker.WaitingJobDispatcher}): moving them would leave the jobs already
 * in a ledger unrunnable.
 */
package io.conveyor.worker;
