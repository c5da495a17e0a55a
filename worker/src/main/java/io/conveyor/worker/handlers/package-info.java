/** The built-in job types, written against the handler API alone, as a job type of your own is. */
package io.conveyor.worker.handlers;
