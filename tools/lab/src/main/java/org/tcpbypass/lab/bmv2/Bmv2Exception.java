package org.tcpbypass.lab.bmv2;

/**
 * BMv2 refused or failed a command.
 */
public class Bmv2Exception extends RuntimeException {

    /**
     * Creates the exception.
     *
     * @param message what failed, with BMv2's words
     */
    public Bmv2Exception(String message) {
        super(message);
    }
}
