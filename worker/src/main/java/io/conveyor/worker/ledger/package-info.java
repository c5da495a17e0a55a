/**
 * Stage 4: a job's state changes written to the ledger (as JobRunr writes them, successes in batches), with the election
 * filters that decide them and the events published after them.
 */
package io.conveyor.worker.ledger;
