/** Stage 1: accepted jobs move from the Kafka jobs topic into the ledger, once each. */
package io.conveyor.worker.intake;
