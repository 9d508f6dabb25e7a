package org.tcpbypass.api;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A refused offload, release or report; the message says why. Nothing was changed.
 */
public class OffloadException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** Why a request was refused. */
    public enum Reason {
        /** A field is missing or out of range (HTTP 400). */
        INVALID(400),
        /** The requester may not redirect this traffic (HTTP 403). */
        FORBIDDEN(403),
        /** The record or device does not exist (HTTP 404). */
        NOT_FOUND(404),
        /** The connection already has a live bypass (HTTP 409). */
        CONFLICT(409),
        /** An idempotency key was used before for a different offload request (HTTP 422). */
        KEY_REUSED(422),
        /** The request body is larger than the REST API accepts (HTTP 413). */
        TOO_LARGE(413);

        private final int httpStatus;

        Reason(int httpStatus) {
            this.httpStatus = httpStatus;
        }

        /**
         * Returns the HTTP status REST answers with.
         *
         * @return status code
         */
        public int httpStatus() {
            return httpStatus;
        }
    }

    private final Reason reason;

    /**
     * Creates an exception.
     *
     * @param reason  kind of refusal
     * @param message what was wrong, naming the field where there is one
     */
    public OffloadException(Reason reason, String message) {
        super(message);
        this.reason = checkNotNull(reason, "reason");
    }

    /**
     * Returns the kind of refusal.
     *
     * @return reason
     */
    public Reason reason() {
        return reason;
    }
}
