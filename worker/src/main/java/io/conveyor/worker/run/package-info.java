/** Stage 3: a claimed job runs: its handler found by type, its attempt number and progress, and what a broken JVM does. */
package io.conveyor.worker.run;
