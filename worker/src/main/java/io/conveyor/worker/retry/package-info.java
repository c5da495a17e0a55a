/** Stage 5: what a failed attempt leads to: a retry after a back-off, at once, elsewhere, or none. */
package io.conveyor.worker.retry;
