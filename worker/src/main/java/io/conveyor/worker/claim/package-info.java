/**
 * Stage 2: a free job thread claims an enqueued job at once (JobRunr's job server, extended), told by this worker or, through
 * PostgreSQL NOTIFY, by another that jobs are waiting.
 */
package io.conveyor.worker.claim;
