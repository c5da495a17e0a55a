/** Recurring jobs: every worker makes each fire time's job on time, and the ledger's insert lets only one of them do it. */
package io.conveyor.worker.recurring;
