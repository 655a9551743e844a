package dev.tide.agent.apply;

/**
 * One application's release cannot be applied; the message is reported to the control plane as
 * is. A transient failure (control plane unreachable while fetching) does not fail the
 * generation: the agent tries again later.
 */
public class ApplyException extends Exception {
    private final boolean transientFailure;

    public ApplyException(String message) {
        this(message, false, null);
    }

    public ApplyException(String message, Throwable cause) {
        this(message, false, cause);
    }

    private ApplyException(String message, boolean transientFailure, Throwable cause) {
        super(message, cause);
        this.transientFailure = transientFailure;
    }

    public static ApplyException transientFailure(String message, Throwable cause) {
        return new ApplyException(message, true, cause);
    }

    public boolean isTransient() {
        return transientFailure;
    }
}
