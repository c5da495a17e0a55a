package io.conveyor.api;

/**
 * Ends a request with a {@link Problem}: thrown by the handlers, answered by {@link ApiServer}'s exception mapping.
 */
final class ProblemException extends RuntimeException {

    private final Problem problem;

    ProblemException(Problem problem) {
        super(problem.detail(), null, false, false); // an expected outcome: no stack trace to fill
        this.problem = problem;
    }

    Problem problem() {
        return problem;
    }
}
