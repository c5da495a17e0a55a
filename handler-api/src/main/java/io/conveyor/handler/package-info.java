/**
 * What a job type is written against, and all a jar of job types needs (with Jackson): {@link io.conveyor.handler.JobHandler},
 * its {@link io.conveyor.handler.JobContext}, the compute pool, the data root, payload fields and the JSON mapper; and, to
 * test a handler without a worker, the worker's own compute pool and a standalone context.
 */
package io.conveyor.handler;
