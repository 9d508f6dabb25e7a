package org.tcpbypass.lab.p4runtime;

/**
 * The P4Runtime server refused a request, or could not be reached.
 */
public class P4RuntimeException extends RuntimeException {

    /**
     * Creates the exception.
     *
     * @param message what failed, with the server's words
     */
    public P4RuntimeException(String message) {
        super(message);
    }

    /**
     * Creates the exception.
     *
     * @param message what failed, with the server's words
     * @param cause   the gRPC failure
     */
    public P4RuntimeException(String message, Throwable cause) {
        super(message, cause);
    }
}
