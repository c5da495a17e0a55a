/** One worker JVM wired from its settings and shut down in order, and the supervisor that runs several on one machine. */
package io.conveyor.worker.process;
