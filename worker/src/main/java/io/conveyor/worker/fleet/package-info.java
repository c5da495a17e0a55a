/** The other workers: which are alive (an advisory lock each), and the jobs of those that died or hung, run again. */
package io.conveyor.worker.fleet;
